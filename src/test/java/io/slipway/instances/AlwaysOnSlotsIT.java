package io.slipway.instances;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.slipway.testing.TestApps;
import io.slipway.testing.TestServer;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Always-on apps count against capacity first, on a real Slipway with one instance slot: an always-on app's start puts an
 * idle ordinary app to sleep for its slot, and is itself never put to sleep to make room; and an always-on app comes
 * back running when Slipway starts again, without a request.
 */
class AlwaysOnSlotsIT {
    @TempDir
    Path dataDir;

    private TestServer start() {
        return TestServer.start(TestServer.fastLifecycle(TestServer.config(dataDir, Map.of("instances.maxRunning", "1"))));
    }

    private static String deploy(TestServer server, String token, boolean alwaysOn) {
        return server.deploy(token, "index.js", TestApps.source("hello.js"), Map.of("sleepAfter", "10m", "alwaysOn", String.valueOf(alwaysOn)))
                .getString("id");
    }

    private static String status(TestServer server, String token, String id) {
        return server.server(token, id).getString("status");
    }

    @Test
    void anAlwaysOnAppTakesTheSlotOfAnIdleOrdinaryAppAndIsNeverEvictedForOne() {
        try (TestServer server = start()) {
            String alice = server.token("alice", "pro");
            String ordinary = deploy(server, alice, false);
            String always = deploy(server, alice, false);
            assertThat(status(server, alice, ordinary)).as("evicted for the second upload's start").isEqualTo("sleeping");
            assertThat(server.call(ordinary, "/").statusCode()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(10)).until(() -> status(server, alice, always).equals("sleeping"));

            int logBefore = server.appLog(always).length();
            assertThat(server.sendJson("PATCH", "/api/containers/servers/" + always, alice, "{\"alwaysOn\":true}").statusCode()).isEqualTo(200);

            await().atMost(Duration.ofSeconds(10)).until(() -> status(server, alice, always).equals("running")
                    && status(server, alice, ordinary).equals("sleeping"));
            HttpResponse<String> refused = server.call(ordinary, "/");
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
            assertThat(refused.headers().firstValue("X-Slipway-Error")).hasValue("capacity");
            assertThat(status(server, alice, always)).as("not evicted for an ordinary app").isEqualTo("running");
            assertThat(server.appLog(always).substring(logBefore)).contains("always on: started").doesNotContain("evicted");

            assertThat(server.sendJson("PATCH", "/api/containers/servers/" + always, alice, "{\"alwaysOn\":false}").statusCode()).isEqualTo(200);
            assertThat(server.call(ordinary, "/").statusCode()).as("an ordinary app again: evicted for the other").isEqualTo(200);
            assertThat(status(server, alice, always)).isEqualTo("sleeping");
        }
    }

    @Test
    void anAlwaysOnAppRunsAgainWhenSlipwayStartsAgainWithoutARequest() {
        String id;
        String bob;
        try (TestServer server = start()) {
            bob = server.token("bob", "pro");
            id = deploy(server, bob, true);
            assertThat(status(server, bob, id)).isEqualTo("running");
        }
        try (TestServer again = start()) {
            String token = again.token("bob", "pro");
            await().atMost(Duration.ofSeconds(15)).until(() -> status(again, token, id).equals("running"));
            assertThat(again.appLog(id)).contains("always on: started without waiting for a request");
        }
    }
}
