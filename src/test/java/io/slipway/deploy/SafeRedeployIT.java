package io.slipway.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.slipway.testing.Multipart;
import io.slipway.testing.SlipwayServerExtension;
import io.slipway.testing.SlipwayServerExtension.Token;
import io.slipway.testing.TestApps;
import io.slipway.testing.TestServer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Redeploys as DESIGN §2 has them, on real sandboxes over real HTTP: the new version starts beside the one serving,
 * traffic moves only once it answers, requests in flight finish on the old version, and a new version that cannot start
 * is refused with the old one serving on, untouched.
 */
class SafeRedeployIT {
    @RegisterExtension
    static final SlipwayServerExtension slipway = SlipwayServerExtension.withConfig(TestServer::fastLifecycle);
    static TestServer server;
    @Token("rita")
    static String rita;

    @Test
    void aNewVersionThatCannotStartIsRefusedAndTheOldVersionServesOnUntouched() {
        String id = deployVersion("1", "10m");
        JsonObject before = answer(id, "/");

        HttpResponse<String> refused = server.redeploy(rita, id, new Multipart().file("index.js", TestApps.source("crash.js")));

        assertThat(refused.statusCode()).as("%s", refused.body()).isEqualTo(422);
        JsonObject problem = new JsonObject(refused.body());
        assertThat(problem.getString("type")).endsWith("/start-failed");
        assertThat(problem.getString("detail")).contains("the version serving is unchanged", "exited with code 3");
        assertThat(answer(id, "/")).as("the same process of the old version").isEqualTo(before);
        JsonObject stored = server.server(rita, id);
        assertThat(stored.getString("status")).isEqualTo("running");
        assertThat(stored.getString("endpoint")).endsWith("/containers/" + id);
        assertThat(builds(id)).as("the refused version's build is gone, the serving one's kept").hasSize(1);
    }

    @Test
    void aNewVersionOfASleepingAppThatCannotStartLeavesTheOldOneToWakeOnTheNextRequest() {
        String id = deployVersion("1", "1s");
        await().atMost(Duration.ofSeconds(10)).until(() -> server.server(rita, id).getString("status").equals("sleeping"));

        HttpResponse<String> refused = server.redeploy(rita, id, new Multipart().file("index.js", TestApps.source("wrong-port.js")));

        assertThat(refused.statusCode()).as("%s", refused.body()).isEqualTo(422);
        assertThat(new JsonObject(refused.body()).getString("detail")).contains("the version serving is unchanged", "listens");
        assertThat(answer(id, "/").getString("version")).isEqualTo("1");
    }

    @Test
    void trafficMovesOnlyOnceTheNewVersionAnswersAndARequestInFlightFinishesOnTheOldOne() throws Exception {
        String id = deployVersion("1", "10m");
        String oldInstance = answer(id, "/").getString("instance");
        CompletableFuture<HttpResponse<String>> inFlight = CompletableFuture.supplyAsync(() -> server.call(id, "/slow?ms=4000"));
        await().atMost(Duration.ofSeconds(10)).until(() -> server.appLog(id).contains("version 1 received a slow request"));
        List<String> duringRedeploy = new CopyOnWriteArrayList<>();
        AtomicBoolean redeploying = new AtomicBoolean(true);
        CompletableFuture<Void> poller = CompletableFuture.runAsync(() -> {
            while (redeploying.get()) {
                HttpResponse<String> r = server.call(id, "/");
                duringRedeploy.add(r.statusCode() + " " + (r.statusCode() == 200 ? new JsonObject(r.body()).getString("version") : r.body()));
            }
        });

        // A new version slow to start: for 1.5 s it does not listen, and the old one serves meanwhile.
        HttpResponse<String> redeployed = server.redeploy(rita, id, versionForm("2").field("env", "{\"VERSION\":\"2\",\"START_DELAY_MS\":\"1500\"}"));
        redeploying.set(false);
        poller.join();

        assertThat(redeployed.statusCode()).as("%s", redeployed.body()).isEqualTo(200);
        JsonObject json = new JsonObject(redeployed.body());
        assertThat(json.getString("status")).as("a redeploy answers once the new version runs").isEqualTo("running");
        assertThat(json.getString("endpoint")).endsWith("/containers/" + id);
        // One after another: the old version's answers while the new one started, then (between the switch and the
        // redeploy's answer reaching the test) maybe the new one's, and nothing else.
        assertThat(String.join(",", duringRedeploy)).as("every request while the new version started")
                .matches("200 1(,200 1)*(,200 2)*");
        JsonObject after = answer(id, "/");
        assertThat(after.getString("version")).as("the first request after the answer").isEqualTo("2");
        assertThat(after.getString("instance")).isNotEqualTo(oldInstance);

        HttpResponse<String> finished = inFlight.get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(finished.statusCode()).as("the request in flight on the old version: %s", finished.body()).isEqualTo(200);
        assertThat(new JsonObject(finished.body()).getString("version")).isEqualTo("1");
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            assertThat(server.appLog(id)).contains("switched to the new version", "the version replaced stopped");
            assertThat(builds(id)).as("the old version's build stays, kept as version 1 (apps.versionsKept)").hasSize(2);
        });
    }

    /** Deploys versioned.js as VERSION {@code version}, its source marked so that each deploy's build is its own. */
    private static String deployVersion(String version, String sleepAfter) {
        HttpResponse<String> created = server.upload(rita, versionForm(version).field("env", "{\"VERSION\":\"" + version + "\"}")
                .field("sleepAfter", sleepAfter));
        assertThat(created.statusCode()).as("%s", created.body()).isEqualTo(201);
        String id = new JsonObject(created.body()).getString("id");
        assertThat(answer(id, "/").getString("version")).isEqualTo(version);
        return id;
    }

    private static Multipart versionForm(String version) {
        return new Multipart().file("index.js", TestApps.source("versioned.js") + "\n// version " + version + "\n");
    }

    private static JsonObject answer(String id, String path) {
        HttpResponse<String> response = server.call(id, path);
        assertThat(response.statusCode()).as("GET %s: %s", path, response.body()).isEqualTo(200);
        return new JsonObject(response.body());
    }

    private static List<Path> builds(String id) {
        try (Stream<Path> builds = Files.list(server.dataDir().resolve("apps").resolve(id).resolve("builds"))) {
            return builds.toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

}
