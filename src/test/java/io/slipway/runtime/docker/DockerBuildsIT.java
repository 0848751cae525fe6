package io.slipway.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.DockerClient;
import io.slipway.app.DataDir;
import io.slipway.app.Language;
import io.slipway.build.RegistryProxy;
import io.slipway.config.BuildLimits;
import io.slipway.config.DataSize;
import io.slipway.config.SlipwayConfig;
import io.slipway.logs.LogSource;
import io.slipway.runtime.BuildRunner;
import io.slipway.runtime.BuildStep;
import io.slipway.runtime.BuildStepFailedException;
import io.slipway.runtime.host.HostUids;
import io.slipway.runtime.process.BubblewrapBuilds;
import io.slipway.sandbox.HostTools;
import io.slipway.sandbox.SandboxLabel;
import io.slipway.testing.PodmanEngine;
import io.slipway.testing.PodmanExtension;
import io.slipway.testing.RecordingLogSink;
import io.slipway.testing.TestServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * One build step at a time in a container of a configured image ({@link DockerBuilds}), as hostile as an install
 * script may be: its exit, its timeout and its memory are reported, it writes only its work directory, reaches nothing
 * but the registry proxy (which reaches the registry), and nothing of it outlives it or a {@link BuildRunner#stopAll}.
 */
@ExtendWith(PodmanExtension.class)
class DockerBuildsIT {
    @TempDir
    static Path dataDir;
    static DockerClient docker;
    static DockerSandboxRuntime runtime;
    static RegistryProxy proxy;
    static BuildRunner builds;

    @BeforeAll
    static void start(PodmanEngine engine) throws IOException {
        docker = DockerRuntimes.client(engine);
        RelocatedImages.importInto(engine, docker);
        TestServer.openForSandboxes(dataDir);
        DataDir dir = new DataDir(dataDir);
        Files.createDirectories(dir.tmp());
        runtime = DockerRuntimes.create(engine, dataDir, s -> new DockerSettings(s.host(), Optional.of(RelocatedImages.NODE),
                Optional.of(RelocatedImages.PYTHON), DockerSettings.SLIPWAY_NETWORK));
        proxy = RegistryProxy.start(dataDir.resolve("registry-proxy"), Set.of("registry.npmjs.org"));
        SlipwayConfig defaults = SlipwayConfig.defaults(dataDir);
        BuildLimits limits = new BuildLimits(DataSize.parse("96MiB"), 1, 64, DataSize.parse("16MiB"), 1, 1, 1, Duration.ofDays(1));
        int buildUid = HostUids.open(dir, defaults.sandbox()).buildUid();
        builds = runtime.builds(new BubblewrapBuilds(SandboxLabel.of(dataDir), HostTools.find(), buildUid, limits, TestServer.NPM_CACHE,
                proxy));
    }

    @AfterAll
    static void stop() throws IOException {
        if (builds != null) builds.stopAll("the test is over");
        if (proxy != null) proxy.close();
        if (runtime != null) runtime.close();
        if (docker != null) {
            DockerRuntimes.assertNothingLeft(docker, dataDir);
            docker.close();
        }
        TestServer.releaseUidClaims(dataDir);
    }

    @Test
    void aStepsOutputIsItsLogAndItsExitCodeItsFailure() {
        RecordingLogSink log = new RecordingLogSink();

        assertThatThrownBy(() -> builds.run(python("import sys; print('installing'); sys.exit(3)", log, Duration.ofMinutes(1))))
                .isInstanceOf(BuildStepFailedException.class).hasMessageContaining("failed with exit code 3");
        assertThat(log.of(LogSource.BUILD)).containsExactly("installing");
        assertNoBuildContainers();
    }

    @Test
    void aStepThatOutlivesItsTimeoutIsKilledWithEverythingItStarted() {
        RecordingLogSink log = new RecordingLogSink();

        assertThatThrownBy(() -> builds.run(python("import os, time\nos.fork()\ntime.sleep(600)", log, Duration.ofSeconds(3))))
                .isInstanceOf(BuildStepFailedException.class).hasMessageContaining("timed out after PT3S");
        assertNoBuildContainers();
    }

    @Test
    void aStepThatTakesMoreThanTheBuildsMemoryIsKilledAndSaysSo() {
        assertThatThrownBy(() -> builds.run(python("b = bytearray(512 << 20)\nprint(len(b))", new RecordingLogSink(), Duration.ofMinutes(1))))
                .isInstanceOf(BuildStepFailedException.class).hasMessageContaining("ran out of memory (build.memory)");
    }

    @Test
    void aStepWritesItsWorkDirectoryAsTheBuildUidAndNothingElse() throws IOException {
        Path work = Files.createTempDirectory(new DataDir(dataDir).tmp(), "work-");
        String script = """
                import os
                open('installed.txt', 'w').write('yes')
                for path in ('/usr/local/bin/evil', '/etc/slipway/evil', '/cache/../evil'):
                    try:
                        open(path, 'w').write('x')
                        print('wrote', path)
                    except OSError as e:
                        print('refused', path)
                """;
        RecordingLogSink log = new RecordingLogSink();
        builds.run(new BuildStep("write", Language.PYTHON, List.of("python3", "-c", script), work, Map.of("PATH", "/usr/local/bin:/usr/bin:/bin"),
                List.of(), false, log, Duration.ofMinutes(1)));

        assertThat(Files.readString(work.resolve("installed.txt"))).isEqualTo("yes");
        assertThat(Files.getAttribute(work.resolve("installed.txt"), "unix:uid")).isNotEqualTo(0);
        assertThat(log.of(LogSource.BUILD)).allMatch(line -> line.startsWith("refused")).hasSize(3);
    }

    @Test
    void aStepReachesTheRegistryThroughTheProxyAndNothingElse() {
        String script = """
                import socket
                for host, port in (('1.1.1.1', 443), ('10.0.0.1', 80), ('::1', 22)):
                    try:
                        socket.create_connection((host, port), timeout=2).close()
                        print('reached', host)
                    except OSError:
                        print('unreachable', host)
                s = socket.create_connection(('127.0.0.1', 3128), timeout=5)
                s.sendall(b'CONNECT registry.npmjs.org:443 HTTP/1.1\\r\\nHost: registry.npmjs.org:443\\r\\n\\r\\n')
                print('proxy', s.recv(64).split(b'\\r\\n')[0].decode())
                s = socket.create_connection(('127.0.0.1', 3128), timeout=5)
                s.sendall(b'CONNECT example.com:443 HTTP/1.1\\r\\nHost: example.com:443\\r\\n\\r\\n')
                print('other', s.recv(64).split(b'\\r\\n')[0].decode())
                """;
        RecordingLogSink log = new RecordingLogSink();
        builds.run(python(script, log, Duration.ofMinutes(1)));

        assertThat(log.of(LogSource.BUILD)).startsWith("unreachable 1.1.1.1", "unreachable 10.0.0.1", "unreachable ::1");
        assertThat(log.of(LogSource.BUILD)).anyMatch(line -> line.startsWith("proxy HTTP/1.1 200"))
                .anyMatch(line -> line.startsWith("other HTTP/1.1 403"));
        assertThat(log.of(LogSource.SLIPWAY)).as("the step's own socket: the proxy names what it refused in this step's log")
                .contains("registry proxy: refused example.com, which is not a package registry (build.allowedHosts)");
    }

    @Test
    void stopAllEndsAStepStillRunning() {
        RecordingLogSink log = new RecordingLogSink();
        CompletableFuture<Void> step = CompletableFuture.runAsync(() -> builds.run(python("import time\nprint('started', flush=True)\ntime.sleep(600)",
                log, Duration.ofMinutes(5))));
        await().atMost(Duration.ofSeconds(30)).until(() -> log.of(LogSource.BUILD).contains("started"));

        assertThat(builds.stopAll("Slipway is stopping")).isGreaterThanOrEqualTo(1);

        assertThat(step).failsWithin(Duration.ofSeconds(30)).withThrowableThat().havingRootCause().isInstanceOf(BuildStepFailedException.class);
        assertNoBuildContainers();
    }

    private static BuildStep python(String script, RecordingLogSink log, Duration timeout) {
        try {
            Path work = Files.createTempDirectory(new DataDir(dataDir).tmp(), "step-");
            return new BuildStep("python step", Language.PYTHON, List.of("python3", "-u", "-c", script), work,
                    Map.of("PATH", "/usr/local/bin:/usr/bin:/bin", "HOME", "/tmp"), List.of(), false, log, timeout);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void assertNoBuildContainers() {
        assertThat(docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(DockerSandboxRuntime.ROLE_LABEL, DockerBuilds.ROLE,
                DockerSandboxRuntime.OWNER_LABEL, SandboxLabel.of(dataDir))).exec()).as("build containers left").isEmpty();
    }
}
