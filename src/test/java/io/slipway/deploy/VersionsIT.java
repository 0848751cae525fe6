package io.slipway.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.slipway.testing.Multipart;
import io.slipway.testing.TestApps;
import io.slipway.testing.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Versions on a real Slipway: each deploy is a numbered version, {@code GET …/versions} lists them, and activating one
 * brings its code back at the same endpoint (its build kept, nothing built again), forward as well as back; only the
 * configured number is kept, with their builds.
 */
class VersionsIT {
    @TempDir
    static Path dataDir;
    static TestServer server;
    static String alice;

    @BeforeAll
    static void start() {
        server = TestServer.start(dataDir, c -> TestServer.fastLifecycle(c));
        alice = server.token("alice");
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    private static String version(String id) {
        HttpResponse<String> answer = server.call(id, "/");
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        return new JsonObject(answer.body()).getString("version");
    }

    /** versioned.js answering {@code v}, whatever its env says: each version's own code. */
    private static String code(String v) {
        return "process.env.VERSION = \"" + v + "\";\n" + TestApps.source("versioned.js");
    }

    private static HttpResponse<String> redeploy(String id, String v) {
        return server.redeploy(alice, id, new Multipart().file("index.js", code(v)));
    }

    private static HttpResponse<String> activate(String id, int n) {
        return server.send(HttpRequest.newBuilder(server.base().resolve("/api/containers/servers/" + id + "/versions/" + n + "/activate"))
                .header("Authorization", "Bearer " + alice).POST(HttpRequest.BodyPublishers.noBody()));
    }

    private static JsonArray versions(String id) {
        HttpResponse<String> listed = server.get("/api/containers/servers/" + id + "/versions", alice);
        assertThat(listed.statusCode()).as(listed.body()).isEqualTo(200);
        return new JsonObject(listed.body()).getJsonArray("versions");
    }

    @Test
    void afterARedeployTwoVersionsAreListedAndActivatingTheFirstBringsItsCodeBackAtTheSameEndpoint() {
        JsonObject deployed = server.deploy(alice, "index.js", code("one"), Map.of());
        String id = deployed.getString("id");
        assertThat(deployed.getInteger("version")).isEqualTo(1);
        assertThat(redeploy(id, "two").statusCode()).isEqualTo(200);
        assertThat(version(id)).isEqualTo("two");

        JsonArray listed = versions(id);
        assertThat(listed).hasSize(2);
        assertThat(listed.getJsonObject(0).getInteger("version")).isEqualTo(2);
        assertThat(listed.getJsonObject(0).getBoolean("active")).isTrue();
        assertThat(listed.getJsonObject(1).getInteger("version")).isEqualTo(1);
        assertThat(listed.getJsonObject(1).getString("entry")).as("what it runs, as the server JSON says").isEqualTo(deployed.getString("entry"));
        assertThat(server.server(alice, id).getInteger("version")).isEqualTo(2);

        HttpResponse<String> back = activate(id, 1);
        assertThat(back.statusCode()).as(back.body()).isEqualTo(200);
        assertThat(new JsonObject(back.body()).getInteger("version")).isEqualTo(1);
        assertThat(new JsonObject(back.body()).getString("endpoint")).isEqualTo(deployed.getString("endpoint"));
        assertThat(version(id)).as("version 1's code").isEqualTo("one");
        assertThat(versions(id).getJsonObject(1).getBoolean("active")).isTrue();
        assertThat(server.appLog(id)).contains("version 1 serves again");

        HttpResponse<String> forward = activate(id, 2);
        assertThat(forward.statusCode()).as(forward.body()).isEqualTo(200);
        assertThat(server.server(alice, id).getInteger("version")).isEqualTo(2);
        assertThat(version(id)).isEqualTo("two");
    }

    @Test
    void activatingAVersionTheAppDoesNotHaveOrSomeoneElsesAppIsRefused() {
        String id = server.deploy(alice, "index.js", TestApps.source("versioned.js"), Map.of()).getString("id");

        HttpResponse<String> missing = activate(id, 7);
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(new JsonObject(missing.body()).getString("type")).endsWith("/no-such-version");
        assertThat(activate(id, 1).statusCode()).as("the one serving: nothing to do").isEqualTo(200);
        HttpResponse<String> notANumber = server.send(HttpRequest.newBuilder(server.base().resolve("/api/containers/servers/" + id
                + "/versions/latest/activate")).header("Authorization", "Bearer " + alice).POST(HttpRequest.BodyPublishers.noBody()));
        assertThat(notANumber.statusCode()).isEqualTo(400);
        assertThat(server.get("/api/containers/servers/" + id + "/versions", server.token("mallory")).statusCode()).isEqualTo(404);
    }

    @Test
    void onlyTheNewestVersionsAreKeptWithTheirBuilds() throws Exception {
        String id = server.deploy(alice, "index.js", code("v1"), Map.of()).getString("id");
        for (int v = 2; v <= 7; v++) assertThat(redeploy(id, "v" + v).statusCode()).isEqualTo(200);

        JsonArray listed = versions(id);
        assertThat(listed.stream().map(o -> ((JsonObject) o).getInteger("version")).toList()).containsExactly(7, 6, 5, 4, 3);
        Path builds = dataDir.resolve("apps").resolve(id).resolve("builds");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            try (var entries = Files.list(builds)) {
                assertThat(entries.count()).as("the kept versions' builds").isEqualTo(5);
            }
        });
        assertThat(activate(id, 2).statusCode()).as("no longer kept").isEqualTo(404);
        assertThat(activate(id, 3).statusCode()).isEqualTo(200);
        assertThat(version(id)).isEqualTo("v3");
    }
}
