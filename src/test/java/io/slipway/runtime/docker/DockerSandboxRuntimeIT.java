package io.slipway.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Container;
import io.slipway.config.SlipwayConfig;
import io.slipway.logs.FileLogSink;
import io.slipway.runtime.Artifact;
import io.slipway.runtime.NetworkPolicy;
import io.slipway.runtime.Sandbox;
import io.slipway.runtime.SandboxExit;
import io.slipway.runtime.SandboxSpec;
import io.slipway.sandbox.SandboxLabel;
import io.slipway.testing.TestArtifacts;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The docker runtime against a real engine, podman's Docker-compatible service: apps of both languages answer, limits
 * hold, stop is SIGTERM then SIGKILL, nothing is left, an earlier run's containers are reaped, logs keep their order.
 * The network's guarantees are {@link DockerNetworkIT}'s.
 */
class DockerSandboxRuntimeIT extends DockerRuntimeTest {
    @Test
    void aNodeAppAnswersOnItsAddress() throws Exception {
        Sandbox sandbox = apps.start("hello", "hello.js", Map.of("GREETING", "hi"));

        JsonObject answer = new JsonObject(apps.awaitAnswer(sandbox, "/"));
        assertThat(answer.getString("app")).isEqualTo("hello-js");
        assertThat(answer.getString("greeting")).isEqualTo("hi");
        assertThat(answer.getString("nodeEnv")).isEqualTo("production");
        assertThat(runtime.check().problems()).isEmpty();
    }

    @Test
    void aPythonAppAnswersOnItsAddress() throws Exception {
        Sandbox sandbox = apps.start("hellopy", "hello.py", Map.of());

        assertThat(new JsonObject(apps.awaitAnswer(sandbox, "/x")).getString("path")).isEqualTo("/x");
    }

    /** Else Python compiles its standard library again at every start, which the read-only root keeps it from caching. */
    @Test
    void thePythonImagesCachedBytecodeIsCurrentSoNothingIsCompiledAtStart() throws Exception {
        Sandbox sandbox = apps.start("pyc", "pyc.py", Map.of());

        JsonObject answer = new JsonObject(apps.awaitAnswer(sandbox, "/"));
        assertThat(answer.getJsonArray("stale").getList()).as("stale .pyc files in %s", answer.getString("python")).isEmpty();
    }

    @Test
    void aPythonAppRunsInTheVenvMadeOnTheHost() throws Exception {
        Artifact artifact = TestArtifacts.withVenv(dataDir, "venv", "forks.py");
        Sandbox sandbox = apps.start(apps.spec("venv", artifact, Map.of(), NetworkPolicy.ISOLATED));

        JsonObject answer = new JsonObject(apps.awaitAnswer(sandbox, "/"));
        assertThat(answer.getString("prefix")).isEqualTo("/app/venv");
        var settings = SlipwayConfig.defaults(dataDir).sandbox();
        assertThat(answer.getInteger("uid")).as("the app's own host uid").isBetween(settings.uidBase(), settings.uidBase() + settings.uidCount() - 1);
    }

    @Test
    void anAppThatCrashesAtStartReportsItsExitCodeAndLeavesItsLastWordsInItsLog() throws IOException {
        Sandbox sandbox = apps.start("crash", "crash.js", Map.of());

        SandboxExit exit = sandbox.exited().orTimeout(30, TimeUnit.SECONDS).join();
        assertThat(exit).isEqualTo(new SandboxExit(3, false));
        assertThat(Files.readString(apps.log("crash"))).as("written before the exit is told").contains("[app] fatal: DATABASE_URL is not set");
        assertThat(sandbox.stop(Duration.ofSeconds(1))).isEqualTo(exit);
    }

    @Test
    void aContainerTheEngineStopsBehindSlipwayEndsItsSandboxSayingWhatStoppedIt() throws Exception {
        Sandbox sandbox = apps.start("stopped", "hello.js", Map.of());
        apps.awaitAnswer(sandbox, "/");

        docker.stopContainerCmd(((DockerSandbox) sandbox).container()).withTimeout(5).exec();

        SandboxExit exit = sandbox.exited().orTimeout(30, TimeUnit.SECONDS).join();
        assertThat(exit).isEqualTo(new SandboxExit(143, false, java.util.Optional.of(ContainerEnd.SIGTERMED)));
        assertThat(exit.reason("while running")).isEqualTo("the app was killed by signal 15 (exit code 143) while running: it got a SIGTERM "
                + "that Slipway did not send (its container was stopped or restarted by the engine, behind Slipway)");
    }

    @Test
    void whereAnAppListensInsteadOfItsPortIsSeen() {
        Sandbox sandbox = apps.start("wrongport", "wrong-port.js", Map.of());

        await().atMost(AppsUnderTest.STARTED).until(() -> sandbox.listening().orElseThrow()
                .contains(new java.net.InetSocketAddress("127.0.0.1", 8080)));
        assertThat(runtime.capabilities().listeningSockets()).isTrue();
    }

    @Test
    void aMemoryHogIsKilledAsOutOfMemory() {
        Sandbox sandbox = apps.start("hog", "dies.js", Map.of());
        apps.awaitAnswer(sandbox, "/");

        apps.sendQuietly(sandbox, "/oom");
        SandboxExit exit = sandbox.exited().orTimeout(30, TimeUnit.SECONDS).join();
        assertThat(exit.outOfMemory()).as("exit %s", exit).isTrue();
        assertThat(exit.exitCode()).isEqualTo(137);
    }

    @Test
    void aForkBombIsCappedByThePidsLimit() {
        Sandbox sandbox = apps.start("forks", "forks.py", Map.of());
        apps.awaitAnswer(sandbox, "/");

        JsonObject bomb = new JsonObject(apps.awaitAnswer(sandbox, "/fork?n=500"));
        assertThat(bomb.getInteger("forked")).isLessThan(LIMITS.pids());
        assertThat(bomb.getString("refused")).isNotNull();
        assertThat(new JsonObject(apps.awaitAnswer(sandbox, "/")).getString("app")).as("still answering").isEqualTo("forks");
    }

    @Test
    void stopAsksWithSigtermFirst() throws IOException {
        Sandbox sandbox = apps.start("graceful", "graceful.js", Map.of());
        apps.awaitAnswer(sandbox, "/");

        SandboxExit exit = sandbox.stop(Duration.ofSeconds(10));
        assertThat(exit).isEqualTo(new SandboxExit(0, false));
        assertThat(Files.readString(apps.log("graceful"))).contains("[app] SIGTERM received, shutting down");
    }

    @Test
    void stopKillsAnAppThatIgnoresSigtermAfterTheGrace() throws IOException {
        Sandbox sandbox = apps.start("stubborn", "stubborn.js", Map.of());
        apps.awaitAnswer(sandbox, "/");

        long begun = System.nanoTime();
        SandboxExit exit = sandbox.stop(Duration.ofMillis(1500));
        assertThat(Duration.ofNanos(System.nanoTime() - begun)).isGreaterThanOrEqualTo(Duration.ofMillis(1500));
        assertThat(exit).as("killed by Slipway, not for its memory").isEqualTo(new SandboxExit(137, false));
        assertThat(Files.readString(apps.log("stubborn"))).contains("[app] SIGTERM received, ignoring it");
    }

    @Test
    void theContainerCarriesTheAppsLabelAndLimitsAndIsGoneAfterStop() {
        Sandbox sandbox = apps.start("labelled", "hello.js", Map.of());
        apps.awaitAnswer(sandbox, "/");

        List<Container> containers = containersOf("labelled");
        assertThat(containers).hasSize(1);
        InspectContainerResponse inspected = docker.inspectContainerCmd(containers.getFirst().getId()).exec();
        assertThat(inspected.getConfig().getLabels()).containsEntry(SandboxSpec.APP_LABEL, "labelled")
                .containsEntry(DockerSandboxRuntime.OWNER_LABEL, SandboxLabel.of(dataDir));
        var host = inspected.getHostConfig();
        assertThat(host.getMemory()).isEqualTo(LIMITS.memory().bytes());
        assertThat(host.getMemorySwap()).as("no swap beyond the memory limit").isEqualTo(LIMITS.memory().bytes());
        assertThat(host.getPidsLimit()).isEqualTo(LIMITS.pids());
        assertThat(host.getNanoCPUs()).isEqualTo(500_000_000L);
        assertThat(host.getReadonlyRootfs()).isTrue();
        String[] user = inspected.getConfig().getUser().split(":");
        assertThat(user).as("the app's own host uid, and the group of that number").hasSize(2).containsOnly(user[0]);
        assertThat(Integer.parseInt(user[0])).isGreaterThanOrEqualTo(SlipwayConfig.defaults(dataDir).sandbox().uidBase());

        sandbox.stop(Duration.ofSeconds(5));
        assertThat(containersOf("labelled")).as("no container left after stop").isEmpty();
    }

    @Test
    void adoptOrReapRemovesTheContainersAnEarlierRunLeftAndNoOtherSlipwaysOnes(@TempDir Path otherDataDir) {
        Sandbox left = runtime.start(apps.spec("left", TestArtifacts.of(dataDir, "left", "hello.js"), Map.of(), NetworkPolicy.ISOLATED));
        apps.awaitAnswer(left, "/");
        runtime.close(); // a crash: the container outlives its runtime
        DockerSandboxRuntime other = DockerRuntimes.create(engine, otherDataDir);
        Sandbox stranger = other.start(new SandboxSpec("stranger", TestArtifacts.of(otherDataDir, "stranger", "hello.js"), Map.of(), LIMITS,
                NetworkPolicy.ISOLATED, Map.of(), new FileLogSink(otherDataDir.resolve("stranger.log"), 1 << 20, "stranger")));
        try {
            runtime = fixture.use(DockerRuntimes.create(engine, dataDir));
            assertThat(runtime.adoptOrReap(Set.of("left")).reaped()).isEqualTo(1);

            assertThat(containersOf("left")).isEmpty();
            assertThat(containersOf("stranger")).as("another Slipway's container").hasSize(1);
        } finally {
            stranger.stop(Duration.ZERO);
            other.close();
            DockerRuntimes.assertNothingLeft(docker, otherDataDir);
        }
    }

    @Test
    void forgettingAnAppRemovesTheImagesMadeForIt() {
        Sandbox sandbox = apps.start(apps.spec("forgotten", TestArtifacts.unique(dataDir, "forgotten", "hello.js"), Map.of(), NetworkPolicy.ISOLATED));
        apps.awaitAnswer(sandbox, "/");
        Map<String, String> madeFor = Map.of(SandboxSpec.APP_LABEL, "forgotten");
        assertThat(docker.listImagesCmd().withLabelFilter(madeFor).exec()).singleElement()
                .satisfies(image -> assertThat(image.getLabels()).containsEntry(DockerSandboxRuntime.OWNER_LABEL, SandboxLabel.of(dataDir)));

        sandbox.stop(Duration.ofSeconds(5));
        runtime.forget("forgotten");

        assertThat(docker.listImagesCmd().withLabelFilter(madeFor).exec()).isEmpty();
    }

    @Test
    void theAppsOutputArrivesInItsLogInOrder() throws IOException {
        Sandbox sandbox = apps.start("numbered", "numbered.js", Map.of());
        apps.awaitAnswer(sandbox, "/lines?count=0");

        assertThat(apps.awaitAnswer(sandbox, "/lines?count=5000")).isEqualTo("5000");
        sandbox.stop(Duration.ofSeconds(5));
        List<Integer> numbers = Files.readAllLines(apps.log("numbered")).stream().filter(l -> l.contains("[app] line "))
                .map(l -> Integer.parseInt(l.replaceAll(".*\\[app\\] line (\\d+) .*", "$1"))).toList();
        assertThat(numbers).hasSize(5000).isSorted().startsWith(1).endsWith(5000);
    }


    private List<Container> containersOf(String appId) {
        return docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(SandboxSpec.APP_LABEL, appId)).exec();
    }
}
