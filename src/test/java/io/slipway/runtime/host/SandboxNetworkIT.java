package io.slipway.runtime.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The sandbox subnet on a real host: veth pairs into real network namespaces ({@code unshare --net}), real routes.
 * Uses a subnet of its own, so that it never meets a Slipway running on the machine.
 */
class SandboxNetworkIT {
    private static final String SUBNET = "100.126.0.0/16";
    private static final String LABEL = "7e57" + Long.toHexString(ProcessHandle.current().pid() | 0x100000000000L);

    @Test
    void anAddressWithNoLiveSandboxBehindItIsUnreachableNotRoutedOutOfTheMachine() throws Exception {
        SandboxNetwork network = SandboxNetwork.setUp(LABEL, SUBNET, false);
        Process namespace = new ProcessBuilder("unshare", "--net", "sleep", "60").start();
        try {
            long pid = namespace.pid();
            // unshare execs sleep in the new namespace; attach once the namespace differs from ours.
            await().atMost(Duration.ofSeconds(5)).until(() -> !netns(pid).equals(netns(ProcessHandle.current().pid())));
            SandboxNetwork.Link link = network.attach(pid, false);
            InetSocketAddress app = new InetSocketAddress(link.sandboxAddress(), 8000);

            // The namespace is reached: nothing listens there, so the connection is refused by it.
            assertThatThrownBy(() -> connect(app)).isInstanceOf(ConnectException.class).hasMessageContaining("refused");

            namespace.destroyForcibly().waitFor();
            // The namespace died and its veth with it: the address must lead nowhere, at once, rather than out of the
            // default route to whatever answers there.
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                    assertThatThrownBy(() -> connect(app)).isInstanceOf(NoRouteToHostException.class));
            network.detach(link);
            assertThatThrownBy(() -> connect(new InetSocketAddress("100.126.200.2", 8000))).isInstanceOf(NoRouteToHostException.class);
        } finally {
            namespace.destroyForcibly();
            network.tearDown();
        }
        assertThat(run("ip", "route", "show", SUBNET)).as("the route goes with the last Slipway using the subnet").isBlank();
    }

    private static void connect(InetSocketAddress address) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(address, 2000);
        }
    }

    private static String netns(long pid) throws IOException {
        return java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/" + pid + "/ns/net")).toString();
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out;
    }
}
