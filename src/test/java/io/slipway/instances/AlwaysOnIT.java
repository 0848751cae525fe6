package io.slipway.instances;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.slipway.testing.SandboxProcesses;
import io.slipway.testing.TestApps;
import io.slipway.testing.TestServer;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Always-on apps on a real Slipway with real sandboxes: never put to sleep however long they are idle, started again
 * after their process is killed or exits, without a request (with a growing back-off when they crash at every start),
 * and refused where the plan does not allow them. The pro
 * plan here allows two always-on apps per user; the server JSON (which never wakes an app) says how each app is.
 */
class AlwaysOnIT {
    private static final Duration SLEEP_AFTER = Duration.ofSeconds(1);

    @TempDir
    static Path dataDir;
    static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(TestServer.fastLifecycle(TestServer.config(dataDir, Map.of("plans.pro.alwaysOn", "2"))));
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    private static JsonObject deploy(String token, boolean alwaysOn) {
        return server.deploy(token, "index.js", TestApps.source("dies.js"), Map.of("sleepAfter", "1s", "alwaysOn", String.valueOf(alwaysOn)));
    }

    private static String status(String token, String id) {
        return server.server(token, id).getString("status");
    }

    /** What the app drew at its start: another value means another process. */
    private static String run(String id) {
        HttpResponse<String> answer = server.call(id, "/");
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        return answer.body();
    }

    @Test
    void anAlwaysOnAppIsNotPutToSleepPastItsSleepAfterWhileAnOrdinaryOneIs() {
        String alice = server.token("alice", "pro");
        JsonObject always = deploy(alice, true);
        String id = always.getString("id");
        String ordinary = deploy(alice, false).getString("id");
        assertThat(always.getBoolean("alwaysOn")).isTrue();
        String before = run(id);

        await().atMost(Duration.ofSeconds(10)).until(() -> status(alice, ordinary).equals("sleeping"));
        await().during(SLEEP_AFTER.multipliedBy(3)).atMost(SLEEP_AFTER.multipliedBy(5)).until(() -> status(alice, id).equals("running"));

        assertThat(run(id)).as("the same process all along").isEqualTo(before);
        assertThat(server.appLog(id)).doesNotContain("going to sleep");
    }

    @Test
    void anAlwaysOnAppKilledWithSigkillIsStartedAgainWithoutARequest() {
        String bob = server.token("bob", "pro");
        String id = deploy(bob, true).getString("id");
        String before = run(id);

        // SIGKILL to the app's own process, as the kernel's OOM killer would send.
        SandboxProcesses.killApp(id);

        // No request reaches the app meanwhile: only the server JSON is read, which never wakes an app.
        await().atMost(Duration.ofSeconds(15)).until(() -> server.appLog(id).contains("always on: started without waiting for a request")
                && status(bob, id).equals("running"));
        assertThat(server.appLog(id)).contains("killed by signal 9");
        assertThat(run(id)).as("a new process").isNotEqualTo(before);
    }

    @Test
    void anAlwaysOnAppThatExitsIsStartedAgainAndAPatchTurnsThatOff() {
        String carol = server.token("carol", "pro");
        String id = deploy(carol, true).getString("id");
        String before = run(id);

        assertThat(server.call(id, "/die").statusCode()).as("it died with the request").isGreaterThanOrEqualTo(500);

        await().atMost(Duration.ofSeconds(15)).until(() -> status(carol, id).equals("running"));
        assertThat(run(id)).isNotEqualTo(before);

        HttpResponse<String> off = server.sendJson("PATCH", "/api/containers/servers/" + id, carol, "{\"alwaysOn\":false}");
        assertThat(off.statusCode()).as(off.body()).isEqualTo(200);
        assertThat(new JsonObject(off.body()).getBoolean("alwaysOn")).isFalse();
        await().atMost(Duration.ofSeconds(10)).until(() -> status(carol, id).equals("sleeping"));
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4)).until(() -> status(carol, id).equals("sleeping"));
    }

    @Test
    void anAlwaysOnAppThatCrashesAtEveryStartIsTriedAgainWithAGrowingBackOffNotInALoop() {
        String frank = server.token("frank", "pro");
        // It starts as asked until CRASH_AFTER, and crashes at every start from then on.
        long crashAfter = System.currentTimeMillis() + 2000;
        String id = server.deploy(frank, "index.js", TestApps.source("crash-later.js"), Map.of("alwaysOn", "true",
                "env", "{\"CRASH_AFTER\":\"" + crashAfter + "\"}")).getString("id");
        await().atMost(Duration.ofSeconds(10)).until(() -> System.currentTimeMillis() > crashAfter);

        long killedAt = System.nanoTime();
        SandboxProcesses.killApp(id);

        // Started again at once, then after 1 s, then after 2 s: three failed starts take 3 s at the least, where starts
        // at every idle check (100 ms here) would have failed thirty times.
        await().atMost(Duration.ofSeconds(20)).until(() -> startsFailed(id) >= 3);
        assertThat(Duration.ofNanos(System.nanoTime() - killedAt)).isGreaterThanOrEqualTo(Duration.ofSeconds(3));
        assertThat(startsFailed(id)).isLessThanOrEqualTo(4);
        assertThat(server.appLog(id)).contains("the database at DATABASE_URL is gone");
        assertThat(server.server(frank, id).getString("error")).contains("exited with code 3");
        assertThat(server.delete("/api/containers/servers/" + id, frank).statusCode()).isEqualTo(204);
    }

    private static long startsFailed(String id) {
        return server.appLog(id).lines().filter(line -> line.contains("[slipway] start failed: ")).count();
    }

    @Test
    void aPatchThatSetsAlwaysOnStartsASleepingAppAndThePlanBoundsHowMany() {
        String dave = server.token("dave", "pro");
        String first = deploy(dave, false).getString("id");
        String second = deploy(dave, false).getString("id");
        String third = deploy(dave, false).getString("id");
        await().atMost(Duration.ofSeconds(10)).until(() -> status(dave, first).equals("sleeping"));

        HttpResponse<String> on = server.sendJson("PATCH", "/api/containers/servers/" + first, dave, "{\"alwaysOn\":true}");
        assertThat(on.statusCode()).as(on.body()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> status(dave, first).equals("running"));
        assertThat(server.sendJson("PATCH", "/api/containers/servers/" + second, dave, "{\"alwaysOn\":true}").statusCode()).isEqualTo(200);

        HttpResponse<String> tooMany = server.sendJson("PATCH", "/api/containers/servers/" + third, dave, "{\"alwaysOn\":true}");
        assertThat(tooMany.statusCode()).isEqualTo(400);
        assertThat(tooMany.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        JsonObject problem = new JsonObject(tooMany.body());
        assertThat(problem.getString("type")).endsWith("/always-on-not-allowed");
        assertThat(problem.getString("detail")).contains("the pro plan allows 2 alwaysOn apps, and you have 2 already");
        assertThat(server.server(dave, third).getBoolean("alwaysOn")).isFalse();
    }

    @Test
    void theFreePlanRefusesAlwaysOnAtUploadAndPatch() {
        String erin = server.token("erin");
        HttpResponse<String> upload = server.upload(erin, new io.slipway.testing.Multipart().file("index.js", TestApps.source("dies.js"))
                .field("alwaysOn", "true"));
        assertThat(upload.statusCode()).as(upload.body()).isEqualTo(400);
        assertThat(new JsonObject(upload.body()).getString("type")).endsWith("/always-on-not-allowed");
        assertThat(new JsonObject(upload.body()).getString("detail")).contains("the free plan does not allow alwaysOn apps");
        assertThat(new JsonObject(server.get("/api/mcp-projects", erin).body()).getJsonArray("projects")).as("nothing kept").isEmpty();

        String id = deploy(erin, false).getString("id");
        HttpResponse<String> patch = server.sendJson("PATCH", "/api/containers/servers/" + id, erin, "{\"alwaysOn\":true}");
        assertThat(patch.statusCode()).isEqualTo(400);
        assertThat(new JsonObject(patch.body()).getString("type")).endsWith("/always-on-not-allowed");
        assertThat(new JsonObject(server.get("/api/usage", erin).body()).getJsonObject("limits").getInteger("alwaysOn")).isZero();
    }
}
