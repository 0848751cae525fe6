package io.slipway.instances;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.slipway.logs.LogFiles;
import io.slipway.testing.Multipart;
import io.slipway.testing.SandboxProcesses;
import io.slipway.testing.SlipwayServerExtension;
import io.slipway.testing.SlipwayServerExtension.Token;
import io.slipway.testing.TestApps;
import io.slipway.testing.TestServer;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What apps do wrong, on purpose, in real sandboxes (issue 7): each failure reaches the client or the owner as a
 * reason, never as a hang, and leaves nothing running. Crash at start, crash loops and never listening are in
 * {@link LifecycleIT}; a full {@code /tmp} in {@code HostileAppsIT}.
 */
class AppFailureModesIT {
    static final long LOG_SIZE = 64 * 1024;
    @RegisterExtension
    static final SlipwayServerExtension slipway = SlipwayServerExtension.withKeys(Map.of("sandbox.logSize", "64KiB"))
            .andConfig(TestServer::fastLifecycle);
    static TestServer server;
    @Token("failures")
    static String token;

    /**
     * DESIGN §2: a deploy means it runs. An app on a port of its own is refused at its upload, as soon as Slipway sees
     * where it listens (not at the end of the start budget), and nothing of it is kept.
     */
    @Test
    void anUploadListeningOnAFixedLoopbackPortIsRefusedSoonNamingWhereItListensAndIsNotListed() {
        java.util.Set<String> before = projectIds();
        long t0 = System.nanoTime();
        HttpResponse<String> response = server.upload(token, new Multipart().file("index.js", TestApps.source("wrong-port.js")));
        Duration took = Duration.ofNanos(System.nanoTime() - t0);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(422);
        assertThat(response.headers().firstValue("Content-Type")).contains("application/problem+json");
        JsonObject problem = new JsonObject(response.body());
        assertThat(problem.getString("type")).endsWith("/start-failed");
        assertThat(problem.getString("detail")).contains("it listens on 127.0.0.1:8080 instead of $PORT (8000) on $HOST (0.0.0.0)");
        assertThat(problem.getString("logTail")).contains("listening on http://127.0.0.1:8080");
        assertThat(problem.getString("detail")).as("refused once it is clear where it listens, not when the start budget ran out")
                .contains("the app listens, but not where Slipway sends requests").doesNotContain("within");
        assertThat(took).as("the upload, its build included (DESIGN: within ~10 s)").isLessThan(Duration.ofSeconds(10));
        assertThat(projectIds()).as("nothing kept of it").isEqualTo(before);
        assertThat(projectIds()).as("nothing kept of it").isEqualTo(before);
    }

    @Test
    void appIgnoringSigtermIsKilledAfterTheGracePeriodAndNothingLingers() throws Exception {
        String id = server.deploy(token, "index.js", TestApps.source("stubborn.js"), Map.of("sleepAfter", "1s")).getString("id");
        assertThat(server.call(id, "/").body()).isEqualTo("stubborn");

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            assertThat(server.server(token, id).getString("status")).isEqualTo("sleeping");
            assertThat(SandboxProcesses.count(id)).isZero();
        });
        assertThat(server.appLog(id)).contains("SIGTERM received, ignoring it").contains("asleep (was killed by signal 9");
        assertThat(server.call(id, "/").body()).as("woken again").isEqualTo("stubborn");
    }

    @Test
    void appExitingMidRequestAnswers502AndTheNextRequestWakesIt() {
        String id = server.deploy(token, "index.js", TestApps.source("stubborn.js"), Map.of()).getString("id");

        HttpResponse<String> response = server.call(id, "/exit");

        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(response.headers().firstValue("Content-Type")).contains("application/problem+json");
        assertThat(new JsonObject(response.body()).getString("type")).endsWith("/problems/app-connection-lost");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(server.appLog(id)).contains("exited with code 7"));
        assertThat(server.call(id, "/").body()).isEqualTo("stubborn");
    }

    /**
     * DESIGN §3: the next request after a crash restarts the app. The request that reaches the app as it is killed for
     * its memory gets 502 (the app may have acted on it, so it is never sent twice); the very next one, sent before
     * Slipway may have noticed the death, waits for the restart instead of failing on the dead app's address.
     */
    @Test
    void theFirstRequestAfterAnOutOfMemoryKillWaitsForTheRestart() throws Exception {
        String id = server.deploy(token, "index.js", TestApps.source("dies.js"), Map.of()).getString("id");
        String before = server.call(id, "/").body();

        HttpResponse<String> killed = server.call(id, "/oom");
        HttpResponse<String> next = server.call(id, "/");

        assertThat(killed.statusCode()).isEqualTo(502);
        assertThat(next.statusCode()).as(next.body()).isEqualTo(200);
        assertThat(next.body()).as("a new process").isNotEqualTo(before);
        assertThat(occurrences(server.appLog(id), "allocating until killed")).as("the killing request was not sent again").isEqualTo(1);
    }

    /**
     * The request sent the moment an app has been killed meets it dead before Slipway has seen it die (the sandbox's own
     * end, the kernel's reaping and Slipway's noticing take a few milliseconds): it waits for the restart instead of
     * failing on the dead app's address.
     */
    @Test
    void aRequestSentTheMomentTheAppIsKilledWaitsForItsRestart() {
        String id = server.deploy(token, "index.js", TestApps.source("dies.js"), Map.of()).getString("id");
        String before = server.call(id, "/").body();

        SandboxProcesses.killApp(id);
        HttpResponse<String> next = server.call(id, "/");

        assertThat(next.statusCode()).as(next.body()).isEqualTo(200);
        assertThat(next.body()).as("a new process").isNotEqualTo(before);
    }

    @Test
    void aRequestTheAppDiedOnIsAnswered502AndNotSentAgain() throws Exception {
        String id = server.deploy(token, "index.js", TestApps.source("dies.js"), Map.of()).getString("id");
        assertThat(server.call(id, "/").statusCode()).isEqualTo(200);

        HttpResponse<String> died = server.call(id, "/die");

        assertThat(died.statusCode()).isEqualTo(502);
        assertThat(new JsonObject(died.body()).getString("type")).endsWith("/problems/app-connection-lost");
        assertThat(server.call(id, "/").statusCode()).isEqualTo(200);
        assertThat(occurrences(server.appLog(id), "dying on request")).isEqualTo(1);
    }

    private static int occurrences(String text, String part) {
        return text.split(java.util.regex.Pattern.quote(part), -1).length - 1;
    }

    @Test
    void appFloodingItsLogIsRotatedAtTheCapAndKeepsAnswering() throws Exception {
        String id = server.deploy(token, "index.js", TestApps.source("flood.js"), Map.of()).getString("id");
        Path log = server.dataDir().resolve("logs").resolve(id + ".log");
        Path previous = LogFiles.previous(log);
        assertThat(server.call(id, "/").body()).isEqualTo("still answering");

        // Many rotations' worth: the app writes megabytes a second.
        await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(previous));
        for (int i = 0; i < 20; i++) {
            // The cap, plus at most one 64 KiB read of the app's output written before the next rotation.
            assertThat(Files.size(log)).isLessThanOrEqualTo(2 * LOG_SIZE);
            assertThat(Files.size(previous)).isLessThanOrEqualTo(2 * LOG_SIZE);
            assertThat(server.call(id, "/").body()).isEqualTo("still answering");
        }
        HttpResponse<String> logs = server.get("/api/containers/servers/" + id + "/logs", token);
        assertThat(logs.statusCode()).isEqualTo(200);
        assertThat(logs.body()).contains("flood flood");

        assertThat(server.delete("/api/containers/servers/" + id, token).statusCode()).isEqualTo(204);
        assertThat(log).doesNotExist();
        assertThat(previous).doesNotExist();
        assertThat(SandboxProcesses.count(id)).isZero();
    }


    /** The ids of the token's user's apps, as their list says. */
    private static java.util.Set<String> projectIds() {
        return new JsonObject(server.get("/api/mcp-projects", token).body()).getJsonArray("projects").stream()
                .map(p -> ((JsonObject) p).getString("id")).collect(java.util.stream.Collectors.toSet());
    }
}
