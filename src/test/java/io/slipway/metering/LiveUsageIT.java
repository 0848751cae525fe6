package io.slipway.metering;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.slipway.testing.TestApps;
import io.slipway.testing.TestServer;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The usage the API shows is live: with an hour between flushes, nothing is written to the store during the test, and
 * /api/usage and the server JSON still show the requests, bytes and active time of a running app at once.
 */
class LiveUsageIT {
    @TempDir
    Path dataDir;

    @Test
    void usageShowsWhatTheRunningAppHasUsedNotOnlyWhatWasLastWritten() {
        try (TestServer server = TestServer.start(dataDir, c -> c.withMeteringInterval(Duration.ofHours(1)))) {
            String token = server.token("live");
            String id = server.deploy(token, "index.js", TestApps.source("count-bytes.js"), Map.of()).getString("id");
            var answer = server.send(HttpRequest.newBuilder(server.base().resolve("/containers/" + id + "/"))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[12_345])));
            assertThat(answer.statusCode()).isEqualTo(200);

            JsonObject usage = new JsonObject(server.get("/api/usage", token).body());
            JsonObject app = usage.getJsonArray("apps").getJsonObject(0);
            assertThat(app.getLong("bytesIn")).isEqualTo(12_345);
            assertThat(app.getLong("bytesOut")).isEqualTo(answer.body().length());
            assertThat(app.getLong("requests")).isPositive();
            // Whole 10 ms units: the app may have run for less than one when the request came back. Nothing is written
            // to the store for an hour, so what shows is live.
            await().atMost(Duration.ofSeconds(5)).until(() -> new JsonObject(server.get("/api/usage", token).body())
                    .getJsonArray("apps").getJsonObject(0).getDouble("activeSeconds") > 0);
            assertThat(usage.getJsonObject("total").getLong("bytesIn")).isEqualTo(12_345);

            JsonObject server1 = server.server(token, id).getJsonObject("usage");
            assertThat(server1.getLong("bytesIn")).isEqualTo(12_345);
            JsonObject listed = new JsonObject(server.get("/api/mcp-projects", token).body()).getJsonArray("projects").getJsonObject(0);
            assertThat(listed.getJsonObject("usage").getLong("bytesIn")).isEqualTo(12_345);
        }
    }
}
