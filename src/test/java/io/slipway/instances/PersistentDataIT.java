package io.slipway.instances;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.slipway.testing.Multipart;
import io.slipway.testing.SlipwayProcess;
import io.slipway.testing.TestApps;
import io.slipway.testing.TestServer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An app's {@code /data} on the process runtime, end to end with {@code ./slipway up}: a counter kept there survives a
 * sleep and wake, a SIGTERM restart of Slipway, a redeploy, a rollback and a kill -9 of Slipway; writing past the plan's {@code storage} fails with ENOSPC while the
 * app keeps answering; usage shows the bytes used; the app's deletion takes its image; nothing stays mounted.
 */
class PersistentDataIT {
    private static final Map<String, String> ENV = Map.of("SLIPWAY_PLANS_FREE_STORAGE", "16MiB",
            "SLIPWAY_INSTANCES_IDLE_CHECK_INTERVAL", "100ms", "SLIPWAY_INSTANCES_STOP_GRACE", "1s");
    @TempDir
    Path work;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @AfterEach
    void nothingStaysMounted() throws IOException {
        assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).as("mounts under the test's data dir").doesNotContain(work.toString());
    }

    @Test
    void aCounterInDataSurvivesSleepWakeASigtermRestartARedeployARollbackAndAKill9AndGoesWithTheApp() throws Exception {
        TestServer.openForSandboxes(work);
        Path data = work.resolve("data");
        String id;
        String token;
        try (SlipwayProcess first = SlipwayProcess.up(data, ENV)) {
            token = first.token("keeper");
            id = first.deploy(token, "index.js", TestApps.source("data-counter.js"), Map.of("sleepAfter", "1s"));
            JsonObject look = get(first, id, "/");
            assertThat(look.getJsonArray("entries").getList()).as("a new app's /data is empty").isEmpty();
            assertThat(look.getString("mode")).isEqualTo("700");
            assertThat(look.getInteger("owner")).as("owned by the app's own uid, 1000 in its user namespace").isEqualTo(look.getInteger("uid"));
            assertThat(count(first, id)).isEqualTo(1);
            assertThat(count(first, id)).isEqualTo(2);

            await().atMost(Duration.ofSeconds(30)).until(() -> "sleeping".equals(server(first, token, id).getString("status")));
            assertThat(mounted(data, id)).as("a sleeping app's /data is unmounted").isFalse();
            assertThat(server(first, token, id).getJsonObject("usage").getLong("storageBytes")).as("bytes used, asleep").isPositive();
            assertThat(count(first, id)).as("after a sleep and wake").isEqualTo(3);
            assertThat(mounted(data, id)).isTrue();

            JsonObject full = get(first, id, "/fill");
            assertThat(full.getString("code")).isEqualTo("ENOSPC");
            assertThat(full.getLong("written")).isBetween(8L << 20, 16L << 20);
            assertThat(get(first, id, "/").getString("bootId")).as("the same process answers after ENOSPC").isEqualTo(full.getString("bootId"));
            assertThat(count(first, id)).isEqualTo(4);
            long used = server(first, token, id).getJsonObject("usage").getLong("storageBytes");
            assertThat(used).as("bytes used, awake").isPositive().isLessThan(1L << 20);
            JsonObject usage = send(first, HttpRequest.newBuilder(URI.create(first.base() + "/api/usage")).header("Authorization", "Bearer " + token));
            assertThat(usage.getJsonObject("limits").getString("storage")).isEqualTo("16MiB");
            assertThat(usage.getJsonArray("apps").getJsonObject(0).getLong("storageBytes")).isPositive();
        }
        assertThat(mounted(data, id)).as("Slipway's SIGTERM stop unmounts every app's /data").isFalse();

        try (SlipwayProcess second = SlipwayProcess.up(data, ENV)) {
            assertThat(count(second, id)).as("after a SIGTERM restart of Slipway").isEqualTo(5);
            Multipart form = new Multipart().file("index.js", TestApps.source("data-counter.js") + "\n// version 2\n");
            send(second, HttpRequest.newBuilder(URI.create(second.base() + "/api/containers/servers/" + id)).header("Authorization", "Bearer " + token)
                    .header("Content-Type", form.contentType()).PUT(HttpRequest.BodyPublishers.ofByteArray(form.bytes())));
            assertThat(count(second, id)).as("after a redeploy").isEqualTo(6);
            send(second, HttpRequest.newBuilder(URI.create(second.base() + "/api/containers/servers/" + id + "/versions/1/activate"))
                    .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.noBody()));
            assertThat(count(second, id)).as("after a rollback").isEqualTo(7);
            second.kill9();
            assertThat(mounted(data, id)).as("a killed Slipway leaves the awake app's /data mounted").isTrue();
        }

        try (SlipwayProcess third = SlipwayProcess.up(data, ENV)) {
            assertThat(mounted(data, id)).as("unmounted at the start after a kill -9").isFalse();
            assertThat(third.output()).anyMatch(line -> line.contains("unmounted the /data of 1 apps, left mounted by an earlier run"));
            assertThat(count(third, id)).as("after a kill -9 of Slipway").isEqualTo(8);
            HttpResponse<String> deleted = http.send(HttpRequest.newBuilder(URI.create(third.base() + "/api/containers/servers/" + id))
                    .header("Authorization", "Bearer " + token).DELETE().timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(deleted.statusCode()).isEqualTo(204);
            assertThat(data.resolve("storage/" + id + ".img")).as("deleted with the app").doesNotExist();
            assertThat(mounted(data, id)).isFalse();
        }
    }

    private int count(SlipwayProcess slipway, String id) throws Exception {
        return get(slipway, id, "/count").getInteger("count");
    }

    private JsonObject get(SlipwayProcess slipway, String id, String path) throws Exception {
        return send(slipway, HttpRequest.newBuilder(URI.create(slipway.base() + "/containers/" + id + path)));
    }

    private JsonObject server(SlipwayProcess slipway, String token, String id) throws Exception {
        return send(slipway, HttpRequest.newBuilder(URI.create(slipway.base() + "/api/containers/servers/" + id)).header("Authorization", "Bearer " + token));
    }

    private JsonObject send(SlipwayProcess slipway, HttpRequest.Builder request) throws Exception {
        HttpResponse<String> answer = http.send(request.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as("%s answered %s", answer.uri(), answer.body()).isEqualTo(200);
        return new JsonObject(answer.body());
    }

    private static boolean mounted(Path data, String id) throws IOException {
        return Files.readString(Path.of("/proc/self/mountinfo")).contains(data.resolve("storage/mnt/" + id).toString());
    }
}
