package io.slipway.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;

import io.slipway.config.SlipwayConfig;
import io.slipway.config.SlipwayConfig.SandboxSettings;
import io.slipway.runtime.NetworkPolicy;
import io.slipway.runtime.Sandbox;
import io.slipway.testing.TestArtifacts;
import io.slipway.testing.TestHost;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The docker runtime's network, which the engine never touches (network mode none): the same guarantees as the process
 * runtime's, over IPv4 and IPv6, since containers get its links and firewall ({@link io.slipway.runtime.host.SandboxNetwork}).
 */
class DockerNetworkIT extends DockerRuntimeTest {
    /**
     * From inside a container: every address of the host, IPv4 and IPv6 (link-local ones on the container's eth0, and
     * those derived from the links' fixed MACs), on a port the test listens on at 0.0.0.0 and one at [::]; the host's end
     * of the container's own link; and another app's container. None answers. The container itself has no IPv6 address
     * but its loopback's.
     */
    @Test
    void anAppReachesNeitherTheHostNorAnotherAppOverIpv4OrIpv6() throws IOException {
        Sandbox victim = apps.start("victim", "hello.js", Map.of());
        Sandbox hostile = apps.start("hostile", "hostile.js", Map.of());
        apps.awaitAnswer(victim, "/");
        apps.awaitAnswer(hostile, "/");
        try (ServerSocket ipv4 = new ServerSocket(0, 50, InetAddress.getByName("0.0.0.0"));
             ServerSocket everyAddress = new ServerSocket(0, 50, InetAddress.getByName("::"))) {
            JsonObject ipv6 = new JsonObject(apps.awaitAnswer(hostile, "/ipv6"));
            List<String> hosts = new ArrayList<>(io.slipway.runtime.HostAddresses.asSeenFromASandbox());
            ipv6.getJsonArray("derived").forEach(a -> hosts.add(String.valueOf(a)));
            String own = ((InetSocketAddress) hostile.address()).getAddress().getHostAddress();
            String[] octets = own.split("\\.");
            hosts.add(octets[0] + "." + octets[1] + "." + octets[2] + "." + (Integer.parseInt(octets[3]) - 1)); // its link's host end
            JsonArray targets = new JsonArray();
            for (String host : hosts) {
                for (int port : List.of(ipv4.getLocalPort(), everyAddress.getLocalPort())) targets.add(new JsonObject().put("host", host).put("port", port));
            }
            InetSocketAddress other = (InetSocketAddress) victim.address();
            targets.add(new JsonObject().put("host", other.getAddress().getHostAddress()).put("port", other.getPort()));
            targets.add(new JsonObject().put("host", "127.0.0.1").put("port", 8000)); // its own port: the dialling works

            JsonArray results = new JsonObject(apps.post(hostile, "/dial", targets.encode())).getJsonArray("results");
            assertThat(results).hasSize(targets.size());
            assertThat(results.stream().map(JsonObject.class::cast).filter(r -> r.getBoolean("ok")).map(r -> r.getString("host") + ":" + r.getInteger("port")).toList())
                    .as("connections from inside the container that succeeded").containsExactly("127.0.0.1:8000");
            assertThat(ipv6.getJsonArray("addresses").stream().map(a -> ((JsonObject) a).getString("iface")))
                    .as("IPv6 addresses in the container: %s", ipv6.getJsonArray("addresses")).allMatch("lo"::equals);
        }
    }

    /**
     * With egress on (sandbox.egress=nat), an app allowed the internet reaches a host outside the machine's networks (a
     * test host in a namespace of its own, at a documentation address) and resolves names as the host does, and still
     * reaches neither a private range nor the host; an app without it reaches nothing.
     */
    @Test
    void onlyAnAppAllowedTheInternetReachesIt(@TempDir Path webRoot) throws IOException {
        runtime.close();
        runtime = fixture.use(DockerRuntimes.create(engine, dataDir, SlipwayConfig.defaults(dataDir).sandbox().withEgress(SandboxSettings.Egress.NAT, "")));
        assertThat(runtime.capabilities().internetEgress()).isTrue();
        try (TestHost outside = TestHost.start(webRoot); ServerSocket onHost = new ServerSocket(0)) {
            Sandbox online = apps.start(apps.spec("online", TestArtifacts.of(dataDir, "online", "hostile.js"), Map.of(), NetworkPolicy.INTERNET));
            Sandbox offline = apps.start("offline", "hostile.js", Map.of());
            apps.awaitAnswer(online, "/");
            apps.awaitAnswer(offline, "/");

            String outsideHost = "/connect?host=" + TestHost.PUBLIC_ADDRESS + "&port=" + TestHost.PORT;
            assertThat(new JsonObject(apps.awaitAnswer(online, outsideHost)).getBoolean("ok")).isTrue();
            assertThat(new JsonObject(apps.awaitAnswer(online, "/read?path=/etc/resolv.conf")).getInteger("bytes")).isPositive();
            assertThat(new JsonObject(apps.awaitAnswer(online, "/connect?host=" + TestHost.PRIVATE_ADDRESS + "&port=" + TestHost.PORT)).getBoolean("ok"))
                    .as("a private range").isFalse();
            assertThat(new JsonObject(apps.awaitAnswer(online, "/connect?host=" + TestHost.HOST_SIDE_ADDRESS + "&port=" + onHost.getLocalPort()))
                    .getBoolean("ok")).as("the host").isFalse();
            JsonObject unreachable = new JsonObject(apps.awaitAnswer(offline, outsideHost));
            assertThat(unreachable.getBoolean("ok")).isFalse();
            assertThat(unreachable.getString("code")).isEqualTo("ENETUNREACH");
        }
    }
}
