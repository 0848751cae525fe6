package io.slipway.instances;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.slipway.config.SlipwayConfig;
import io.slipway.testing.SandboxProcesses;
import io.slipway.testing.SlipwayServerExtension;
import io.slipway.testing.SlipwayServerExtension.Token;
import io.slipway.testing.TestApps;
import io.slipway.testing.TestServer;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** With room for one running app: the idle one makes way, a busy one does not. */
class CapacityIT {
    @RegisterExtension
    static final SlipwayServerExtension slipway = SlipwayServerExtension.withConfig(c -> {
        var i = c.instances();
        return c.withInstances(new SlipwayConfig.InstanceSettings(i.startTimeout(), Duration.ofSeconds(1), i.maxWaiters(),
                i.maxWait(), 1, Duration.ofMillis(100), i.maxBackoff(), i.drainTimeout()));
    });
    static TestServer server;
    @Token("capacity")
    static String token;

    @Test
    void idleAppIsPutToSleepToMakeRoomAndABusyOneAnswers503Capacity() {
        String first = server.deploy(token, "index.js", TestApps.source("hello.js"), Map.of()).getString("id");
        assertThat(server.call(first, "/").statusCode()).isEqualTo(200);
        String second = server.deploy(token, "index.js", TestApps.source("hello.js"), Map.of()).getString("id");

        assertThat(server.call(second, "/").statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(server.server(token, first).getString("status")).isEqualTo("sleeping");
            assertThat(SandboxProcesses.count(first)).isZero();
        });

        CompletableFuture<HttpResponse<String>> busy = server.http().sendAsync(HttpRequest.newBuilder(
                server.base().resolve("/containers/" + second + "/slow?ms=3000")).build(), HttpResponse.BodyHandlers.ofString());
        await().atMost(Duration.ofSeconds(5)).until(() -> server.server(token, second).getString("status").equals("running"));
        HttpResponse<String> refused = server.call(first, "/");

        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.headers().firstValue("X-Slipway-Error")).contains("capacity");
        assertThat(refused.headers().firstValue("Retry-After")).isPresent();
        assertThat(new JsonObject(refused.body()).getString("type")).endsWith("/problems/capacity");
        assertThat(busy.join().body()).isEqualTo("slow done");
    }
}
