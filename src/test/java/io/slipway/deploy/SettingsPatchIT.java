package io.slipway.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.slipway.testing.TestApps;
import io.slipway.testing.TestServer;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code PATCH /api/containers/servers/{id}}: settings change without the code being sent again, on a real Slipway
 * with real sandboxes. A running app gets a new process with them, which takes over once it answers; a change it does
 * not start with leaves the one serving as it was; bad settings change nothing.
 */
class SettingsPatchIT {
    @TempDir
    static Path dataDir;
    static TestServer server;
    static String alice;

    @BeforeAll
    static void start() {
        server = TestServer.start(dataDir, TestServer::fastLifecycle);
        alice = server.token("alice");
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    private static HttpResponse<String> patch(String token, String id, String json) {
        return server.sendJson("PATCH", "/api/containers/servers/" + id, token, json);
    }

    private static JsonObject answer(String id) {
        HttpResponse<String> answer = server.call(id, "/");
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        return new JsonObject(answer.body());
    }

    @Test
    void anEnvChangeReachesTheRunningAppThroughANewProcessWithoutTheCodeSentAgain() {
        String id = server.deploy(alice, "index.js", TestApps.source("hello.js"), Map.of("env", "{\"GREETING\":\"one\",\"OTHER\":\"x\"}"))
                .getString("id");
        JsonObject before = answer(id);
        assertThat(before.getString("greeting")).isEqualTo("one");

        HttpResponse<String> patched = patch(alice, id, "{\"env\":{\"GREETING\":\"two\",\"OTHER\":null},\"sleepAfter\":\"90s\"}");

        assertThat(patched.statusCode()).as(patched.body()).isEqualTo(200);
        JsonObject json = new JsonObject(patched.body());
        assertThat(json.getString("sleepAfter")).isIn("90s", "1m30s", "PT1M30S");
        JsonObject after = answer(id);
        assertThat(after.getString("greeting")).isEqualTo("two");
        assertThat(after.getLong("startedAt")).as("a new process").isNotEqualTo(before.getLong("startedAt"));
        assertThat(server.appLog(id)).contains("settings changed: env, sleepAfter (variables now: GREETING); restarted with them")
                .doesNotContain("two");
    }

    @Test
    void aChangeOfSleepAfterOrPrivateAloneKeepsTheProcessAndApplies() {
        String id = server.deploy(alice, "index.js", TestApps.source("hello.js"), Map.of()).getString("id");
        long started = answer(id).getLong("startedAt");

        assertThat(patch(alice, id, "{\"private\":true,\"sleepAfter\":120}").statusCode()).isEqualTo(200);

        assertThat(server.call(id, "/").statusCode()).as("private now: no token, no answer").isEqualTo(401);
        HttpResponse<String> owner = server.send(HttpRequest.newBuilder(server.base().resolve("/containers/" + id + "/"))
                .header("Authorization", "Bearer " + alice));
        assertThat(new JsonObject(owner.body()).getLong("startedAt")).as("the same process").isEqualTo(started);
        assertThat(server.server(alice, id).getBoolean("private")).isTrue();
    }

    @Test
    void anAsleepAppStartsWithItsNewSettingsAtItsNextRequest() {
        String id = server.deploy(alice, "index.js", TestApps.source("hello.js"), Map.of("sleepAfter", "1s")).getString("id");
        answer(id);
        await().atMost(Duration.ofSeconds(20)).until(() -> "sleeping".equals(server.server(alice, id).getString("status")));

        assertThat(patch(alice, id, "{\"env\":{\"GREETING\":\"awake with it\"}}").statusCode()).isEqualTo(200);

        assertThat(server.server(alice, id).getString("status")).as("a patch does not wake it").isEqualTo("sleeping");
        assertThat(answer(id).getString("greeting")).isEqualTo("awake with it");
    }

    @Test
    void aNewProcessThatNeverGetsReadyLeavesTheOneServingAndItsSettingsAsTheyWere() {
        String id = server.deploy(alice, "index.js", TestApps.source("hello.js"), Map.of("env", "{\"GREETING\":\"kept\"}")).getString("id");
        long started = answer(id).getLong("startedAt");

        // hello.js answers /slow only after ?ms: a readiness probe at a path that takes longer than the start budget fails.
        HttpResponse<String> refused = patch(alice, id, "{\"env\":{\"GREETING\":\"lost\"},\"healthPath\":\"/slow?ms=60000\"}");

        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(422);
        assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        JsonObject still = answer(id);
        assertThat(still.getString("greeting")).isEqualTo("kept");
        assertThat(still.getLong("startedAt")).isEqualTo(started);
        assertThat(server.server(alice, id).getString("healthPath")).isIn(null, "/");
    }

    @Test
    void badSettingsAreRefusedSayingWhatIsWrongAndChangeNothing() {
        String id = server.deploy(alice, "index.js", TestApps.source("hello.js"), Map.of("env", "{\"GREETING\":\"same\"}")).getString("id");
        JsonObject before = server.server(alice, id);

        Map<String, String> cases = Map.of(
                "{\"code\":\"x\"}", "unknown-setting",
                "{\"env\":{\"PORT\":\"1\"}}", "invalid-env",
                "{\"env\":{\"A\":1}}", "invalid-env",
                "{\"sleepAfter\":\"10y\"}", "invalid-sleep-after",
                "{\"sleepAfter\":\"400d\"}", "invalid-sleep-after",
                "{\"private\":\"yes\"}", "invalid-private",
                "{\"alwaysOn\":true}", "always-on-not-allowed",
                "[1,2]", "invalid-settings",
                "{\"healthPath\":\"no-slash\"}", "invalid-health-path");
        cases.forEach((body, slug) -> {
            HttpResponse<String> answer = patch(alice, id, body);
            assertThat(answer.statusCode()).as(body + " → " + answer.body()).isEqualTo(400);
            assertThat(new JsonObject(answer.body()).getString("type")).as(body).endsWith("/" + slug);
        });
        HttpResponse<String> text = server.send(HttpRequest.newBuilder(server.base().resolve("/api/containers/servers/" + id))
                .header("Authorization", "Bearer " + alice).header("Content-Type", "text/plain")
                .method("PATCH", HttpRequest.BodyPublishers.ofString("sleepAfter=1m")));
        assertThat(text.statusCode()).isEqualTo(415);
        assertThat(patch(server.token("mallory"), id, "{\"sleepAfter\":\"1m\"}").statusCode()).as("someone else's app").isEqualTo(404);

        JsonObject after = server.server(alice, id);
        assertThat(after.getString("sleepAfter")).isEqualTo(before.getString("sleepAfter"));
        assertThat(answer(id).getString("greeting")).isEqualTo("same");
    }
}
