package io.slipway.metering;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.slipway.testing.SlipwayServerExtension;
import io.slipway.testing.SlipwayServerExtension.Token;
import io.slipway.testing.TestApps;
import io.slipway.testing.TestServer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Active time is metered from ready to stop, requests are counted, and both show in /api/usage and the server JSON. */
class MeteringIT {
    @RegisterExtension
    static final SlipwayServerExtension slipway = SlipwayServerExtension.withConfig(
            c -> TestServer.fastLifecycle(c).withMeteringInterval(Duration.ofMillis(200)));
    static TestServer server;
    @Token("metered")
    static String token;

    @Test
    void usageGrowsWhileTheAppServesAndStopsGrowingWhileItSleeps() {
        String id = server.deploy(token, "index.js", TestApps.source("hello.js"), Map.of("sleepAfter", "2s")).getString("id");
        for (int i = 0; i < 3; i++) assertThat(server.call(id, "/").statusCode()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            JsonObject app = appUsage(id);
            assertThat(app.getDouble("activeSeconds")).isPositive();
            assertThat(app.getLong("requests")).isGreaterThanOrEqualTo(3);
        });
        await().atMost(Duration.ofSeconds(15)).until(() -> "sleeping".equals(server.server(token, id).getString("status")));
        double asleep = appUsage(id).getDouble("activeSeconds");

        assertThat(asleep).as("about 2 s of idle before sleep, plus the requests").isBetween(1.5, 10.0);
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> appUsage(id).getDouble("activeSeconds") == asleep);
        assertThat(server.server(token, id).getJsonObject("usage").getDouble("activeSeconds")).isEqualTo(asleep);
    }

    @Test
    void bytesInAndOutAreCounted() {
        String id = server.deploy(token, "index.js", TestApps.source("count-bytes.js"), Map.of()).getString("id");
        byte[] body = new byte[100_000];
        var answer = server.send(java.net.http.HttpRequest.newBuilder(server.base().resolve("/containers/" + id + "/"))
                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(body)));
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(new JsonObject(answer.body()).getLong("bytes")).isEqualTo(100_000);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            JsonObject app = appUsage(id);
            assertThat(app.getLong("bytesIn")).isEqualTo(100_000);
            assertThat(app.getLong("bytesOut")).isEqualTo(answer.body().length());
        });
        JsonObject total = new JsonObject(server.get("/api/usage", token).body()).getJsonObject("total");
        assertThat(total.getLong("bytesIn")).isGreaterThanOrEqualTo(100_000);
    }

    private static JsonObject appUsage(String id) {
        JsonObject usage = new JsonObject(server.get("/api/usage", token).body());
        assertThat(usage.getString("plan")).isEqualTo("free");
        return usage.getJsonArray("apps").stream().map(JsonObject.class::cast).filter(a -> a.getString("id").equals(id))
                .findFirst().orElseThrow();
    }
}
