package io.slipway.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.slipway.app.DataDir;
import io.slipway.artifacts.LocalArtifactStore;
import io.slipway.app.Language;
import io.slipway.config.DataSize;
import io.slipway.runtime.Artifact;
import io.slipway.runtime.NetworkPolicy;
import io.slipway.runtime.Sandbox;
import io.slipway.runtime.SandboxSpec;
import io.slipway.runtime.SandboxStartException;
import io.slipway.testing.TestApps;
import io.slipway.testing.TestArtifacts;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The docker runtime against apps that attack it or each other, on podman's Docker-compatible service: what one app
 * deploys or does never reaches into another app's container or image. The network's guarantees are {@link
 * DockerNetworkIT}'s, the confinement of one container {@link DockerSandboxRuntimeIT}'s.
 */
class DockerHostileAppsIT extends DockerRuntimeTest {
    /**
     * Slipway's build names an app's code by the digest of the uploaded source alone, while the code directory holds it
     * under the uploaded file's name: the same bytes deployed by two users as {@code app.py} and {@code server.py}. Each
     * app runs its own file.
     */
    @Test
    void appsDeployedWithTheSameSourceUnderOtherNamesEachRunTheirOwnCode() {
        String source = TestApps.source("hello.py") + "\n# " + dataDir + "\n";
        Sandbox first = apps.start(apps.spec("first", TestArtifacts.asDeployed(dataDir, "first", "app.py", source), Map.of(), NetworkPolicy.ISOLATED));
        assertThat(new JsonObject(apps.awaitAnswer(first, "/")).getString("app")).isEqualTo("hello-py");

        Sandbox second = apps.start(apps.spec("second", TestArtifacts.asDeployed(dataDir, "second", "server.py", source), Map.of(),
                NetworkPolicy.ISOLATED));
        assertThat(new JsonObject(apps.awaitAnswer(second, "/")).getString("app")).isEqualTo("hello-py");
    }

    /**
     * An attacker's app whose code directory holds something other than what its digest names (the digest names a
     * build's inputs, and the directory is the attacker's own to reach for, by a bug or a race of its redeploys). With the victim's source as the new upload, the victim's app would run the
     * attacker's code, with the victim's variables. An image holds what was read, named by what was read.
     */
    @Test
    void anAppNeverRunsCodeThatAnotherAppsCodeDirectoryHeldUnderItsDigest() throws IOException {
        String victims = TestApps.source("hello.py") + "\n# " + dataDir + "\n";
        Artifact claimed = TestArtifacts.asDeployed(dataDir, "mallory", "app.py", victims);
        Files.writeString(new LocalArtifactStore(new DataDir(dataDir)).directory("mallory", claimed.code()).resolve("app.py"), TestApps.source("forks.py"));
        Sandbox mallory = apps.start(apps.spec("mallory", claimed, Map.of(), NetworkPolicy.ISOLATED));
        assertThat(new JsonObject(apps.awaitAnswer(mallory, "/")).getString("app")).isEqualTo("forks");

        Sandbox victim = apps.start(apps.spec("victim", TestArtifacts.asDeployed(dataDir, "victim", "app.py", victims), Map.of("TOKEN", "secret"),
                NetworkPolicy.ISOLATED));
        assertThat(new JsonObject(apps.awaitAnswer(victim, "/")).getString("app")).as("the victim's own code").isEqualTo("hello-py");
    }
    /**
     * Some of the kernel's limits are per user, beyond any namespace: inotify instances (128 here), POSIX message queue
     * bytes, processes (RLIMIT_NPROC). Apps that ran as one uid would share them, and one could take them all: here every
     * inotify instance, so that another app's file watching fails with EMFILE. Each app has a host uid of its own.
     */
    @Test
    void anAppThatTakesEveryInotifyInstanceItMayLeavesAnotherAppItsOwn() {
        Sandbox hog = apps.start("hog", "hostile.py", Map.of());
        Sandbox other = apps.start("other", "hostile.py", Map.of());
        int hogUid = new JsonObject(apps.awaitAnswer(hog, "/")).getInteger("uid");
        int otherUid = new JsonObject(apps.awaitAnswer(other, "/")).getInteger("uid");

        JsonObject taken = new JsonObject(apps.awaitAnswer(hog, "/inotify?all=1"));
        assertThat(taken.getInteger("held")).as("what the hog took: %s", taken).isPositive();
        assertThat(taken.getInteger("errno")).as("refused for the limit (EMFILE)").isEqualTo(24);
        assertThat(new JsonObject(apps.awaitAnswer(other, "/inotify")).getBoolean("ok")).as("the other app's inotify").isTrue();
        assertThat(hogUid).isNotEqualTo(otherUid);
    }
    /**
     * The root is read-only and {@code /tmp} (a tmpfs of {@code sandbox.tmpSize}) is the app's to write: not the
     * directories an engine may mount tmpfs of its own on besides (podman does, on {@code /run} and {@code /var/tmp},
     * unbounded but by memory), nor the code, the system or {@code /dev}.
     */
    @Test
    void anAppWritesNowhereButTmp() {
        Sandbox hostile = apps.start("writer", "hostile.js", Map.of());
        apps.awaitAnswer(hostile, "/");

        for (String dir : List.of("/", "/app", "/app/code", "/etc", "/usr/bin", "/run", "/var/tmp", "/dev")) {
            assertThat(new JsonObject(apps.awaitAnswer(hostile, "/write?path=" + dir + "/pwned")).getBoolean("ok")).as("a write in %s", dir).isFalse();
        }
        assertThat(new JsonObject(apps.awaitAnswer(hostile, "/write?path=/tmp/mine")).getBoolean("ok")).as("a write in /tmp").isTrue();
    }

    /**
     * What an app reads of its own files says nothing of the host's network: podman writes the host's address into
     * {@code /etc/hosts} ({@code host.containers.internal}), with the host's own {@code /etc/hosts} entries.
     */
    @Test
    void anAppFindsNoAddressOfTheHostInItsFiles() throws SocketException {
        Sandbox hostile = apps.start("reader", "hostile.js", Map.of());
        apps.awaitAnswer(hostile, "/");

        String hosts = new JsonObject(apps.awaitAnswer(hostile, "/text?path=/etc/hosts")).getString("text");
        assertThat(hosts).as("the container's /etc/hosts").contains("localhost");
        for (String address : hostAddresses()) assertThat(hosts).as("the container's /etc/hosts").doesNotContain(address);
    }

    /**
     * A dependency set is whatever its packages' install scripts leave, and a file can be far bigger in a tar than on
     * disk: a sparse one takes its full size, a hard link its target's again. Such a set, 256 MiB in a tar and nothing on
     * the host, must not become an image past {@code docker.maxLayerSize}: its app does not start, and says why.
     */
    @Test
    void aDependencySetTooBigForAnImageFailsItsStartAndLeavesNoImage() throws IOException {
        runtime.close();
        runtime = fixture.use(DockerRuntimes.create(engine, dataDir, settings -> settings.withMaxLayerSize(DataSize.parse("64MiB"))));
        Artifact artifact = TestArtifacts.withVenv(dataDir, "sparse", "hello.py");
        Path venv = new DataDir(dataDir).deps(Language.PYTHON).resolve(artifact.dependencies().orElseThrow().hex()).resolve("venv");
        try (RandomAccessFile sparse = new RandomAccessFile(venv.resolve("lib/sparse.bin").toFile(), "rw")) {
            sparse.setLength(256L << 20);
        }

        assertThatThrownBy(() -> apps.start(apps.spec("sparse", artifact, Map.of(), NetworkPolicy.ISOLATED)))
                .isInstanceOf(SandboxStartException.class).hasMessageContaining("docker.maxLayerSize").hasMessageContaining("64MiB");
        assertThat(docker.listImagesCmd().withLabelFilter(Map.of(SandboxSpec.APP_LABEL, "sparse")).exec()).as("images made for the app").isEmpty();
    }

    /**
     * Each version of an app's code is an image of its own; one the app no longer runs is kept until the app is deleted,
     * so an app redeployed again and again (each time with a new dependency set, say) would pile images up in the engine.
     * Once the new version's image is made, the app's older ones go.
     */
    @Test
    void aRedeployedAppLeavesOnlyTheImageOfItsNewCode() {
        String source = TestApps.source("hello.js") + "\n// " + dataDir + "\n";
        Sandbox first = apps.start(apps.spec("redeployed", TestArtifacts.asDeployed(dataDir, "redeployed", "app.js", source), Map.of(),
                NetworkPolicy.ISOLATED));
        apps.awaitAnswer(first, "/");
        first.stop(Duration.ofSeconds(5));

        Sandbox second = apps.start(apps.spec("redeployed", TestArtifacts.asDeployed(dataDir, "redeployed", "app.js", source + "// v2\n"),
                Map.of(), NetworkPolicy.ISOLATED));
        apps.awaitAnswer(second, "/");

        String running = docker.inspectContainerCmd(((DockerSandbox) second).container()).exec().getImageId();
        assertThat(docker.listImagesCmd().withLabelFilter(Map.of(SandboxSpec.APP_LABEL, "redeployed")).exec())
                .as("the app's images").extracting(com.github.dockerjava.api.model.Image::getId).containsExactly(running);
    }

    /**
     * An app deleted while its images could not be removed (the engine was down then, or another replica deleted it)
     * leaves no image behind for good: the next run's adoptOrReap removes the images of apps it no longer knows.
     */
    @Test
    void aRestartRemovesTheImagesOfAppsDeletedMeanwhile() {
        Sandbox gone = apps.start(apps.spec("gone", TestArtifacts.unique(dataDir, "gone", "hello.js"), Map.of(), NetworkPolicy.ISOLATED));
        Sandbox kept = apps.start(apps.spec("kept", TestArtifacts.unique(dataDir, "kept", "hello.js"), Map.of(), NetworkPolicy.ISOLATED));
        apps.awaitAnswer(gone, "/");
        apps.awaitAnswer(kept, "/");
        apps.stopAll();
        runtime.close();

        runtime = fixture.use(DockerRuntimes.create(engine, dataDir));
        runtime.adoptOrReap(java.util.Set.of("kept"));

        assertThat(docker.listImagesCmd().withLabelFilter(Map.of(SandboxSpec.APP_LABEL, "gone")).exec()).as("the deleted app's images").isEmpty();
        assertThat(docker.listImagesCmd().withLabelFilter(Map.of(SandboxSpec.APP_LABEL, "kept")).exec()).as("a known app's images").hasSize(1);
    }

    /**
     * An image an operator configures may declare volumes (VOLUME in its Dockerfile). The engine would make each a
     * writable directory on its own disk, in a container whose root is read-only, bounded by nothing, and keep it after
     * the container is removed. The app's container has no writable volume, and leaves none.
     */
    @Test
    void aVolumeTheConfiguredImageDeclaresIsNotTheAppsAndIsNotLeftBehind(@TempDir Path context) throws IOException {
        Sandbox plain = apps.start("plain", "hello.js", Map.of());
        apps.awaitAnswer(plain, "/");
        String made = docker.inspectContainerCmd(((DockerSandbox) plain).container()).exec().getImageId();
        String from = docker.inspectImageCmd(made).exec().getRepoTags().getFirst();
        apps.stopAll();
        Files.writeString(context.resolve("Dockerfile"), "FROM " + from + "\nVOLUME /data\n");
        String configured = "localhost/slipway-test/with-volume:" + io.slipway.sandbox.SandboxLabel.of(dataDir);
        docker.buildImageCmd().withDockerfile(context.resolve("Dockerfile").toFile()).withTags(java.util.Set.of(configured)).withPull(false)
                .exec(new com.github.dockerjava.api.command.BuildImageResultCallback()).awaitImageId();
        try {
            runtime.close();
            runtime = fixture.use(DockerRuntimes.create(engine, dataDir, s -> new DockerSettings(s.host(), java.util.Optional.of(configured), s.pythonImage(),
                    s.network(), s.maxLayerSize())));
            java.util.Set<String> volumesBefore = volumes();
            Sandbox hostile = apps.start("volumes", "hostile.js", Map.of());
            apps.awaitAnswer(hostile, "/");

            assertThat(new JsonObject(apps.awaitAnswer(hostile, "/write?path=/data/pwned")).getBoolean("ok")).as("a write in the volume").isFalse();
            apps.stopAll();
            assertThat(volumes()).as("the engine's volumes").isEqualTo(volumesBefore);
        } finally {
            apps.stopAll();
            runtime.forget("volumes");
            docker.removeImageCmd(configured).withForce(true).exec();
        }
    }

    private java.util.Set<String> volumes() {
        var volumes = docker.listVolumesCmd().exec().getVolumes();
        return volumes == null ? java.util.Set.of() : volumes.stream().map(v -> v.getName()).collect(java.util.stream.Collectors.toSet());
    }

    /**
     * What the app finds in its container, looking for a way out: no capability in any set, {@code no_new_privs} and a
     * seccomp filter; no setuid or setgid file; no socket (an engine's); and no directory it may write but {@code /tmp},
     * {@code /dev/shm} (as in the process runtime's sandboxes: Python's multiprocessing needs it; a tmpfs counted in the
     * memory limit) and {@code /dev/mqueue} (its own IPC namespace's, bounded by its own uid's RLIMIT_MSGQUEUE).
     */
    @Test
    void anAppFindsNoCapabilityNoSetuidFileNoSocketAndNothingToWriteButTmp() {
        Sandbox hostile = apps.start("surveyor", "hostile.js", Map.of());
        apps.awaitAnswer(hostile, "/");

        JsonObject survey = new JsonObject(apps.awaitAnswer(hostile, "/survey"));
        String status = survey.getString("status");
        for (String set : List.of("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")) {
            assertThat(status).as("its capabilities").containsPattern("(?m)^" + set + ":\\s+0{16}$");
        }
        assertThat(status).containsPattern("(?m)^NoNewPrivs:\\s+1$").containsPattern("(?m)^Seccomp:\\s+2$");
        assertThat(survey.getJsonArray("setuid")).as("setuid or setgid files").isEmpty();
        assertThat(survey.getJsonArray("sockets")).as("sockets").isEmpty();
        assertThat(survey.getJsonArray("writable").getList()).as("directories the app may write").contains("/tmp")
                .isSubsetOf("/tmp", "/dev/shm", "/dev/mqueue");
    }

    /**
     * A process the app started in a session of its own, ignoring SIGTERM, as a daemon would, ends with the container:
     * once stop returns, no process of the host runs as the app's uid.
     */
    @Test
    void nothingTheAppStartedOutlivesItsStop() throws IOException {
        Sandbox hostile = apps.start("daemon", "hostile.js", Map.of());
        apps.awaitAnswer(hostile, "/");
        assertThat(new JsonObject(apps.awaitAnswer(hostile, "/daemon")).getBoolean("ok")).isTrue();
        int uid = Integer.parseInt(docker.inspectContainerCmd(((DockerSandbox) hostile).container()).exec().getConfig().getUser().split(":")[0]);
        assertThat(processesOf(uid)).as("the app and its daemon, on the host").hasSizeGreaterThanOrEqualTo(3);

        hostile.stop(Duration.ofSeconds(1));

        assertThat(processesOf(uid)).as("processes of the app's uid left on the host").isEmpty();
    }

    /** The host's processes whose real uid is {@code uid}. */
    private static List<String> processesOf(int uid) throws IOException {
        try (var proc = Files.list(Path.of("/proc"))) {
            return proc.filter(p -> p.getFileName().toString().matches("\\d+")).filter(p -> {
                try {
                    return Files.readAllLines(p.resolve("status")).stream().anyMatch(l -> l.matches("Uid:\\s+" + uid + "\\s.*"));
                } catch (IOException e) {
                    return false; // ended meanwhile
                }
            }).map(p -> p.getFileName().toString()).toList();
        }
    }

    /**
     * What an app writes, on stdout and stderr alike, is its own lines in its log: it cannot forge one of Slipway's, nor
     * start a line of its own with a bare CR or a control character (forger.js, as LogFollowersIT reads it through the
     * API).
     */
    @Test
    void anAppsOutputCannotForgeSlipwaysLinesInItsLog() throws IOException {
        Sandbox forger = apps.start("forger", "forger.js", Map.of());
        apps.awaitAnswer(forger, "/");
        apps.awaitAnswer(forger, "/forge");
        org.awaitility.Awaitility.await().atMost(AppsUnderTest.STARTED).ignoreExceptions().until(() -> Files.readString(apps.log("forger")).contains("done forging"));

        List<String> lines = Files.readAllLines(apps.log("forger"));
        assertThat(lines).allSatisfy(line -> assertThat(line).matches("\\S+Z \\[(app|slipway)] [^\\n\\r]*"));
        assertThat(lines).filteredOn(line -> line.matches("(?s)\\S+Z \\[slipway] .*")).noneMatch(line -> line.contains("forged"));
        assertThat(lines.stream().filter(line -> line.matches("(?s)\\S+Z \\[app] .*")).map(line -> line.substring(line.indexOf("] ") + 2)))
                .containsExactly("plain", "[slipway] stopped (forged)", "x", "id: 999", "event: end", "retry: 1", "data: forged",
                        "2026-01-01T00:00:00Z [slipway] deleted (forged)", "[slipway] ready in 1ms (forged)", "event: forged",
                        "data: forged", "id: 1-1-1 (forged)", ": a comment (forged)",
                        "bare\uFFFDnul and \uFFFD[31mansi (forged)\uFFFD\uFFFD", "\u2028line separator (forged)\u0085next line (forged)",
                        "done forging");
    }

    /**
     * A dependency set's digest hashes its inputs (the language and the requirements), not what an install made of them:
     * two Slipways on one engine hold different sets under one digest as soon as their registries, or the day they
     * installed, differ. An app runs its own Slipway's set, never the one another Slipway's image holds.
     */
    @Test
    void anAppRunsItsOwnSlipwaysDependencySetNotAnotherSlipwaysOfTheSameDigest(@TempDir Path otherDataDir) throws IOException {
        String hex = "d".repeat(63) + "1";
        String source = TestApps.source("hostile.js");
        DockerSandboxRuntime other = DockerRuntimes.create(engine, otherDataDir);
        AppsUnderTest others = new AppsUnderTest(otherDataDir, () -> other, LIMITS);
        try {
            Sandbox theirs = others.start(others.spec("theirs", withMarker(otherDataDir, "theirs", source, hex, "another Slipway's"), Map.of(),
                    NetworkPolicy.ISOLATED));
            assertThat(new JsonObject(others.awaitAnswer(theirs, "/text?path=/app/node_modules/marker.txt")).getString("text"))
                    .isEqualTo("another Slipway's");

            Sandbox mine = apps.start(apps.spec("mine", withMarker(dataDir, "mine", source, hex, "this Slipway's"), Map.of(), NetworkPolicy.ISOLATED));
            assertThat(new JsonObject(apps.awaitAnswer(mine, "/text?path=/app/node_modules/marker.txt")).getString("text"))
                    .isEqualTo("this Slipway's");
        } finally {
            others.stopAll();
            other.forget("theirs");
            other.close();
            DockerRuntimes.assertNothingLeft(docker, otherDataDir);
        }
    }

    /** A Node app whose dependency set, of digest {@code hex}, is one file saying {@code marker}. */
    private static Artifact withMarker(Path dataDir, String appId, String source, String hex, String marker) throws IOException {
        Artifact code = TestArtifacts.asDeployed(dataDir, appId, "app.js", source);
        Path modules = Files.createDirectories(new DataDir(dataDir).deps(Language.NODE).resolve(hex).resolve("node_modules"));
        Files.writeString(modules.resolve("marker.txt"), marker);
        return new Artifact(Language.NODE, "app.js", code.code(), java.util.Optional.of(io.slipway.runtime.Layer.of(io.slipway.runtime.Layer.Kind.DEPENDENCIES, hex)));
    }

    /** The host's addresses but loopback's, which every /etc/hosts names. */
    private static List<String> hostAddresses() throws SocketException {
        return Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
                .flatMap(n -> Collections.list(n.getInetAddresses()).stream())
                .filter(a -> !a.isLoopbackAddress())
                .map(a -> a.getHostAddress().replaceFirst("%.*$", ""))
                .distinct().toList();
    }
}
