package io.slipway.runtime.process;

import io.slipway.runtime.host.HostUids;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.slipway.app.DataDir;
import io.slipway.config.SlipwayConfig;
import io.slipway.sandbox.HostTools;
import io.slipway.sandbox.SandboxLabel;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessSandboxRuntimeIT {
    // These tests start no app: nothing asks where layers are or which uid an app runs as.
    private static final LocalLayers NO_LAYERS = (app, layer) -> { throw new AssertionError("no app is started here"); };

    @TempDir
    Path dataDir;

    @org.junit.jupiter.api.AfterEach
    void releaseUids() {
        io.slipway.testing.TestServer.releaseUidClaims(dataDir);
    }

    @Test
    void sandboxProcessesLeftByAnEarlierRunAreReapedByLabel() throws IOException {
        ProcessBuilder orphan = new ProcessBuilder("sleep", "300");
        orphan.environment().put(SandboxLabel.VARIABLE, SandboxLabel.value(SandboxLabel.of(dataDir), "someapp"));
        Process process = orphan.start();
        ProcessBuilder stranger = new ProcessBuilder("sleep", "300");
        stranger.environment().put(SandboxLabel.VARIABLE, "0000000000000000:otherslipway");
        Process other = stranger.start();
        try {
            var settings = SlipwayConfig.defaults(dataDir).sandbox();
            int reaped;
            try (var runtime = new ProcessSandboxRuntime(HostTools.find(), new DataDir(dataDir), settings, NO_LAYERS, HostUids.open(new DataDir(dataDir), settings))) {
                reaped = runtime.adoptOrReap(java.util.Set.of()).reaped();
            }

            assertThat(reaped).isEqualTo(1);
            await().atMost(Duration.ofSeconds(5)).until(() -> !process.isAlive());
            assertThat(other.isAlive()).as("a process labelled by another data dir is not ours to kill").isTrue();
        } finally {
            process.destroyForcibly();
            other.destroyForcibly();
        }
    }
}
