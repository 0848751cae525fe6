package io.slipway.metering;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.slipway.testing.SandboxProcesses;
import io.slipway.testing.SlipwayServerExtension;
import io.slipway.testing.TestApps;
import io.slipway.testing.TestServer;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A user who used the month's active time has their apps put to sleep, and they are not woken until next month; an
 * always-on app's active time is metered as any app's, and it is put to sleep with them and not started again.
 */
class BudgetIT {
    @RegisterExtension
    static final SlipwayServerExtension slipway = SlipwayServerExtension.withKeys(Map.of("plans.free.activeTimePerMonth", "2s",
            "plans.free.alwaysOn", "1"))
            .andConfig(c -> TestServer.fastLifecycle(c).withMeteringInterval(Duration.ofMillis(200)));
    static TestServer server;

    @Test
    void anExhaustedBudgetSleepsTheAppsAndAnswers429WithoutWakingThem() {
        String spender = server.token("spender");
        String id = server.deploy(spender, "index.js", TestApps.source("hello.js"), Map.of()).getString("id");
        String other = server.deploy(server.token("saver", "pro"), "index.js", TestApps.source("hello.js"), Map.of()).getString("id");
        assertThat(server.call(id, "/").statusCode()).isEqualTo(200);

        // Running counts: past 2 s the app is put to sleep though its sleepAfter (10 m) is far off.
        await().atMost(Duration.ofSeconds(15)).until(() -> "sleeping".equals(server.server(spender, id).getString("status")));
        JsonObject usage = new JsonObject(server.get("/api/usage", spender).body()).getJsonObject("total");
        assertThat(usage.getDouble("activeSeconds")).isGreaterThanOrEqualTo(2.0);
        assertThat(usage.getDouble("activeSecondsLeft")).isZero();

        HttpResponse<String> refused = server.call(id, "/");
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(new JsonObject(refused.body()).getString("type")).endsWith("/problems/quota-exceeded");
        assertThat(Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow())).isPositive();
        assertThat(SandboxProcesses.count(id)).as("no process was started for the refused request").isZero();
        assertThat(server.server(spender, id).getString("status")).isEqualTo("sleeping");

        assertThat(server.call(other, "/").statusCode()).as("another user's budget is their own (on pro: 1000 h)").isEqualTo(200);
    }

    @Test
    void anAlwaysOnAppUsesTheBudgetAsItRunsAndIsPutToSleepAndLeftAsleepOnceItIsUsedUp() {
        String owner = server.token("keeper");
        // No request ever reaches it: it runs, and is metered, because it is always on.
        String id = server.deploy(owner, "index.js", TestApps.source("hello.js"), Map.of("alwaysOn", "true")).getString("id");

        await().atMost(Duration.ofSeconds(15)).until(() -> "sleeping".equals(server.server(owner, id).getString("status")));
        assertThat(new JsonObject(server.get("/api/usage", owner).body()).getJsonObject("total").getDouble("activeSeconds"))
                .isGreaterThanOrEqualTo(2.0);
        assertThat(server.appLog(id)).contains("this month's active time is used up");
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
                .until(() -> "sleeping".equals(server.server(owner, id).getString("status")) && SandboxProcesses.count(id) == 0);
        assertThat(server.server(owner, id).getBoolean("alwaysOn")).as("the setting stays, for next month").isTrue();
    }
}
