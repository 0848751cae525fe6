package io.slipway.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.slipway.sandbox.SandboxLabel;
import io.slipway.testing.TestServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A Slipway that cannot start says why and leaves nothing of itself behind. */
class StartFailureIT {
    @TempDir
    Path dataDir;

    @Test
    void aPortInUseIsReportedAndWhatTheStartSetUpIsTornDown() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("0.0.0.0"))) {
            var config = TestServer.config(dataDir).withPort(taken.getLocalPort());

            assertThatThrownBy(() -> TestServer.start(config)).hasMessageContaining("cannot listen on")
                    .hasMessageContaining(Integer.toString(taken.getLocalPort()));

            String label = SandboxLabel.of(config.dataDir());
            for (String tool : java.util.List.of("iptables-save", "ip6tables-save")) {
                String saved = run(tool);
                assertThat(saved).as("the firewall of a Slipway that never started is removed (%s)", tool).doesNotContain("-" + label);
            }
        } finally {
            TestServer.releaseUidClaims(dataDir);
        }
    }

    private static String run(String tool) throws IOException {
        Process p = new ProcessBuilder(tool).redirectErrorStream(true).start();
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
}
