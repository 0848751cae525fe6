package io.slipway.instances;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.slipway.config.SlipwayConfig;
import io.slipway.testing.TestApps;
import io.slipway.testing.TestServer;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Requests wait for a start, up to a bound: past it they are told to come back, not queued without end. */
class StartQueueIT {
    @Test
    void requestsPastTheStartQueuesBoundGet503WithRetryAfterWhileTheOthersAreServed(@TempDir Path dataDir) {
        try (TestServer server = TestServer.start(dataDir, c -> {
            var i = c.instances();
            return c.withInstances(new SlipwayConfig.InstanceSettings(i.startTimeout(), i.stopGrace(), 3, i.maxWait(),
                    i.maxRunning(), i.idleCheckInterval(), i.maxBackoff(), i.drainTimeout()));
        })) {
            String token = server.token("queue");
            String app = server.deploy(token, "index.js", TestApps.source("slow-start.js"), Map.of("sleepAfter", "1s")).getString("id");
            await().atMost(Duration.ofSeconds(20)).until(() -> "sleeping".equals(server.server(token, app).getString("status")));
            // The first request starts the asleep app and waits for it; two more may wait with it, the rest may not.
            List<CompletableFuture<HttpResponse<String>>> calls = IntStream.range(0, 8)
                    .mapToObj(n -> server.http().sendAsync(HttpRequest.newBuilder(server.base().resolve("/containers/" + app + "/"))
                            .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString()))
                    .toList();
            List<HttpResponse<String>> responses = calls.stream().map(CompletableFuture::join).toList();

            List<HttpResponse<String>> served = responses.stream().filter(r -> r.statusCode() == 200).toList();
            List<HttpResponse<String>> refused = responses.stream().filter(r -> r.statusCode() != 200).toList();
            assertThat(served).isNotEmpty().allSatisfy(r -> assertThat(r.body()).isEqualTo("finally"));
            assertThat(served).hasSizeLessThanOrEqualTo(3);
            assertThat(refused).hasSizeGreaterThanOrEqualTo(8 - 3).allSatisfy(r -> {
                assertThat(r.statusCode()).isEqualTo(503);
                assertThat(r.headers().firstValue("Retry-After")).isPresent();
                assertThat(r.headers().firstValue("X-Slipway-Error")).contains("queue-full");
                assertThat(new JsonObject(r.body()).getString("type")).endsWith("/problems/queue-full");
            });
        }
    }
}
