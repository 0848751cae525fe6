package io.slipway.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.slipway.config.SlipwayConfig.SandboxSettings.Egress;
import io.slipway.testing.TestApps;
import io.slipway.testing.TestHost;
import io.slipway.testing.TestServer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Outbound internet per app (sandbox.egress=nat): an app deployed with internet=true reaches a host outside the
 * machine's own networks — here a test host in a network namespace this test creates — and still reaches neither
 * private ranges, nor other apps, nor the host itself; an app without it reaches nothing.
 */
class EgressIT {
    @TempDir
    static Path dataDir;
    @TempDir
    static Path webRoot;
    static TestHost outside;
    static TestServer server;
    static String token;
    static String online;
    static String offline;

    @BeforeAll
    static void start() throws IOException {
        outside = TestHost.start(webRoot);
        server = TestServer.start(dataDir, c -> c.withSandbox(c.sandbox().withEgress(Egress.NAT, "")));
        token = server.token("egress");
        online = server.deploy(token, "index.js", TestApps.source("hostile.js"), Map.of("internet", "true")).getString("id");
        offline = server.deploy(token, "index.js", TestApps.source("hostile.js"), Map.of()).getString("id");
    }

    @AfterAll
    static void stop() throws IOException, InterruptedException {
        if (server != null) server.close();
        if (outside != null) outside.close();
        // Its own chains: another Slipway on the machine (a second test run, say) has chains of its own label.
        String label = SandboxLabel.of(dataDir);
        for (String tool : java.util.List.of("iptables-save", "ip6tables-save")) {
            Process rules = new ProcessBuilder(tool).start();
            String saved = new String(rules.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            rules.waitFor(10, TimeUnit.SECONDS);
            assertThat(saved).as("Slipway removes its firewall chains when it stops (%s)", tool).doesNotContain("SW-FWD-" + label)
                    .doesNotContain("SW-NAT-" + label).doesNotContain("SW-IN-" + label);
        }
    }

    @Test
    void appDeployedWithInternetReachesAHostOutsideTheMachinesNetworks() {
        assertThat(server.server(token, online).getBoolean("internet")).isTrue();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(probe(online, "/connect?host=" + TestHost.PUBLIC_ADDRESS + "&port=" + TestHost.PORT).getBoolean("ok")).isTrue());
    }

    @Test
    void appDeployedWithoutInternetReachesNothing() {
        assertThat(server.server(token, offline).getBoolean("internet")).isFalse();
        JsonObject result = probe(offline, "/connect?host=" + TestHost.PUBLIC_ADDRESS + "&port=" + TestHost.PORT);
        assertThat(result.getBoolean("ok")).isFalse();
        assertThat(result.getString("code")).isEqualTo("ENETUNREACH");
    }

    @Test
    void appWithInternetStillCannotReachPrivateRangesTheHostOrSlipway() {
        int slipway = server.base().getPort();
        for (String target : new String[] {TestHost.PRIVATE_ADDRESS + ":" + TestHost.PORT, TestHost.HOST_SIDE_ADDRESS + ":" + slipway,
                TestHost.HOST_SIDE_ADDRESS + ":22", "100.64.0.1:" + slipway, "169.254.169.254:80"}) {
            String[] hostPort = target.split(":");
            JsonObject result = probe(online, "/connect?host=" + hostPort[0] + "&port=" + hostPort[1]);
            assertThat(result.getBoolean("ok")).as("connect to %s", target).isFalse();
        }
    }

    private static JsonObject probe(String appId, String path) {
        HttpResponse<String> response = server.call(appId, path);
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
        return new JsonObject(response.body());
    }
}
