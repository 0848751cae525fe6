package io.slipway.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.slipway.app.DataDir;
import io.slipway.artifacts.LocalArtifactStore;
import io.slipway.config.SlipwayConfig;
import io.slipway.logs.FileLogSink;
import io.slipway.runtime.NetworkPolicy;
import io.slipway.runtime.SandboxSpec;
import io.slipway.runtime.SandboxStartException;
import io.slipway.testing.TestArtifacts;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the docker runtime says of an engine it cannot use, without one running. */
class DockerPreflightTest {
    @TempDir
    Path dataDir;

    @Test
    void anEngineOverTcpIsRefusedInWordsAnOperatorCanActOn() throws IOException {
        URI nothingListens;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            nothingListens = URI.create("tcp://127.0.0.1:" + socket.getLocalPort());
        }
        var sandbox = SlipwayConfig.defaults(dataDir).sandbox();
        try (DockerSandboxRuntime runtime = new DockerSandboxRuntime(DockerSettings.of(nothingListens), sandbox, new DataDir(dataDir),
                new LocalArtifactStore(new DataDir(dataDir)), io.slipway.sandbox.HostTools.find(), null)) {
            assertThat(runtime.check().problems()).anySatisfy(p -> assertThat(p).contains("over TCP").contains("docker.host=unix://"))
                    .anySatisfy(p -> assertThat(p).contains("does not answer").contains("SLIPWAY_DOCKER_HOST"));
            SandboxSpec spec = new SandboxSpec("app", TestArtifacts.of(dataDir, "app", "hello.js"), Map.of(),
                    new io.slipway.runtime.SandboxLimits(io.slipway.config.DataSize.parse("64MiB"), 16, 1), NetworkPolicy.ISOLATED, Map.of(),
                    new FileLogSink(dataDir.resolve("app.log"), 1 << 16, "app"));
            assertThatThrownBy(() -> runtime.start(spec)).isInstanceOf(SandboxStartException.class).hasMessageContaining("over TCP");
        }
    }

    @Test
    void enginesOlderThanDockerApi125AreNotSupported() {
        assertThat(DockerSandboxRuntime.supported("1.41")).isTrue();
        assertThat(DockerSandboxRuntime.supported("1.25")).isTrue();
        assertThat(DockerSandboxRuntime.supported("1.24")).isFalse();
        assertThat(DockerSandboxRuntime.supported(null)).isFalse();
    }

    @Test
    void onlySlipwaysOwnNetworkIsAccepted() {
        assertThatThrownBy(() -> new DockerSettings(URI.create("unix:///run/docker.sock"), Optional.empty(), Optional.empty(), "bridge"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("docker.network must be slipway");
        assertThatThrownBy(() -> DockerSettings.of(URI.create("ssh://engine.example"))).hasMessageContaining("docker.host");
        assertThatThrownBy(() -> new DockerSettings(DockerSettings.DEFAULT_HOST, Optional.of("node:20 && rm"), Optional.empty(), "slipway"))
                .hasMessageContaining("docker.nodeImage");
    }
}
