package io.slipway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.slipway.config.ConfigLoader;
import io.slipway.testing.TestApps;
import io.slipway.testing.TestServer;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each app accepts its plan's requests per second, with a burst of twice as many; past that, 429 with Retry-After. */
class RateLimitIT {
    @Test
    void requestsPastThePlansRateAre429WithRetryAfter(@TempDir Path dataDir) {
        try (TestServer server = TestServer.start(ConfigLoader.load(null, Map.of(), Map.of("data", dataDir.toString(), "port", "0",
                "build.npmCache", TestServer.NPM_CACHE.toString(), "plans.free.requestsPerSecond", "2")))) {
            String id = server.deploy(server.token("busy"), "index.js", TestApps.source("hello.js"), Map.of()).getString("id");

            List<HttpResponse<String>> responses = IntStream.range(0, 12).mapToObj(i -> server.call(id, "/")).toList();

            List<HttpResponse<String>> limited = responses.stream().filter(r -> r.statusCode() == 429).toList();
            assertThat(responses.stream().filter(r -> r.statusCode() == 200)).hasSizeBetween(4, 6);
            assertThat(limited).isNotEmpty().allSatisfy(r -> {
                assertThat(r.headers().firstValue("Retry-After")).isPresent();
                assertThat(r.headers().firstValue("X-Slipway-Error")).contains("rate-limited");
                assertThat(new JsonObject(r.body()).getString("type")).endsWith("/problems/rate-limited");
            });
        }
    }
}
