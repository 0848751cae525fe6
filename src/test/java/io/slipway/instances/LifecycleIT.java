package io.slipway.instances;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.slipway.testing.Multipart;
import io.slipway.testing.SandboxProcesses;
import io.slipway.testing.SlipwayServerExtension;
import io.slipway.testing.SlipwayServerExtension.Token;
import io.slipway.testing.TestApps;
import io.slipway.testing.TestServer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The lifecycle of DESIGN §3 with real sandboxes: start on demand, sleep when idle, fail with a reason. */
class LifecycleIT {
    @RegisterExtension
    static final SlipwayServerExtension slipway = SlipwayServerExtension.withConfig(TestServer::fastLifecycle);
    static TestServer server;
    @Token("lifecycle")
    static String token;

    @Test
    void appSleepsAfterItsSleepAfterAndWakesOnTheNextRequest() {
        String id = deployHello("1s");
        // Not the pid: each sandbox has its own pid namespace, where the app is always pid 2.
        long firstStart = new JsonObject(server.call(id, "/").body()).getLong("startedAt");

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(server.server(token, id).getString("status")).isEqualTo("sleeping");
            assertThat(SandboxProcesses.count(id)).isZero();
        });
        assertThat(server.server(token, id).getString("lastActiveAt")).isNotNull();

        HttpResponse<String> woken = server.call(id, "/again");
        assertThat(woken.statusCode()).isEqualTo(200);
        assertThat(new JsonObject(woken.body()).getString("url")).isEqualTo("/again");
        assertThat(new JsonObject(woken.body()).getLong("startedAt")).isGreaterThan(firstStart);
        assertThat(server.server(token, id).getString("status")).isEqualTo("running");
    }

    @Test
    void fiftyConcurrentRequestsToASleepingAppAllSucceedAndStartItOnce() throws IOException {
        String id = deployHello("1s");
        await().atMost(Duration.ofSeconds(15)).until(() -> "sleeping".equals(server.server(token, id).getString("status")));
        long startsBefore = starts(id);

        List<CompletableFuture<HttpResponse<String>>> calls = IntStream.range(0, 50)
                .mapToObj(n -> server.http().sendAsync(HttpRequest.newBuilder(server.base().resolve("/containers/" + id + "/n" + n))
                        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString()))
                .toList();
        List<HttpResponse<String>> responses = calls.stream().map(CompletableFuture::join).toList();

        assertThat(responses).allSatisfy(r -> assertThat(r.statusCode()).isEqualTo(200));
        assertThat(responses.stream().map(r -> new JsonObject(r.body()).getLong("startedAt")).distinct()).hasSize(1);
        assertThat(starts(id) - startsBefore).isEqualTo(1);
    }

    @Test
    void requestInFlightKeepsTheAppAwakePastItsSleepAfter() throws IOException {
        String id = deployHello("1s");

        HttpResponse<String> slow = server.call(id, "/slow?ms=2500");

        assertThat(slow.statusCode()).isEqualTo(200);
        assertThat(slow.body()).isEqualTo("slow done");
        assertThat(Files.readString(log(id))).doesNotContain("going to sleep");
    }

    @Test
    void anUploadThatCrashesAtStartIsRefusedNamingTheReasonAndNothingIsKept() {
        java.util.Set<String> before = projectIds();
        HttpResponse<String> response = server.upload(token, new Multipart().file("index.js", TestApps.source("crash.js")));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(422);
        assertThat(response.headers().firstValue("Content-Type")).contains("application/problem+json");
        JsonObject problem = new JsonObject(response.body());
        assertThat(problem.getString("type")).endsWith("/start-failed");
        assertThat(problem.getString("detail")).contains("exited with code 3");
        assertThat(problem.getString("logTail")).contains("DATABASE_URL is not set");
        assertThat(projectIds()).as("nothing kept of it").isEqualTo(before);
    }

    @Test
    void anAppThatCrashesAtALaterStartAnswersWithAProblemNamingTheReason() {
        String id = crashingAfterItsDeploy();

        HttpResponse<String> response = server.call(id, "/");

        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(response.headers().firstValue("Content-Type")).contains("application/problem+json");
        assertThat(response.headers().firstValue("X-Slipway-Error")).contains("app-failed");
        JsonObject problem = new JsonObject(response.body());
        assertThat(problem.getString("detail")).contains("exited with code 3");
        assertThat(problem.getString("logTail")).contains("the database at DATABASE_URL is gone");
        JsonObject status = server.server(token, id);
        assertThat(status.getString("status")).isEqualTo("failed");
        assertThat(status.getString("error")).contains("exited with code 3");
    }

    @Test
    void failingAppIsRetriedByTheNextRequestThenBacksOff() throws IOException {
        String id = crashingAfterItsDeploy();
        assertThat(server.call(id, "/").statusCode()).isEqualTo(502);
        await().atMost(Duration.ofSeconds(10)).until(() -> "failed".equals(server.server(token, id).getString("status")));
        assertThat(server.call(id, "/").statusCode()).isEqualTo(502);
        long starts = starts(id);

        HttpResponse<String> backedOff = server.call(id, "/");

        assertThat(backedOff.statusCode()).isEqualTo(502);
        assertThat(backedOff.headers().firstValue("Retry-After")).isPresent();
        assertThat(starts(id)).isEqualTo(starts);
    }

    /** An app that deployed and ran, slept, and now crashes at every start (crash-later.js). */
    private String crashingAfterItsDeploy() {
        long crashAfter = System.currentTimeMillis() + 2_000;
        String id = server.deploy(token, "index.js", TestApps.source("crash-later.js"),
                Map.of("sleepAfter", "1s", "env", new JsonObject().put("CRASH_AFTER", Long.toString(crashAfter)).encode())).getString("id");
        await().atMost(Duration.ofSeconds(20)).until(() -> "sleeping".equals(server.server(token, id).getString("status"))
                && System.currentTimeMillis() > crashAfter);
        return id;
    }

    @Test
    void anUploadThatNeverListensIsRefusedWhenItsStartBudgetRunsOut() {
        java.util.Set<String> before = projectIds();
        HttpResponse<String> response = server.upload(token, new Multipart().file("index.js", TestApps.source("never-listens.js")));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(422);
        assertThat(new JsonObject(response.body()).getString("detail")).contains("did not answer HTTP on $PORT within 3 s")
                .contains("it listens on no TCP port: it should listen on $PORT (8000)");
        assertThat(projectIds()).as("nothing kept of it").isEqualTo(before);
    }

    @Test
    void restartOfSlipwayLeavesEveryAppAsleepUntilItsNextRequest(@TempDir Path otherData) {
        String id;
        String user;
        try (TestServer first = TestServer.start(otherData, TestServer::fastLifecycle)) {
            user = first.token("restarter");
            id = first.deploy(user, "app.py", TestApps.source("hello.py"), Map.of()).getString("id");
            assertThat(first.call(id, "/").statusCode()).isEqualTo(200);
        }
        assertThat(SandboxProcesses.count(id)).isZero();

        try (TestServer second = TestServer.start(otherData, TestServer::fastLifecycle)) {
            assertThat(second.server(user, id).getString("status")).isEqualTo("sleeping");
            HttpResponse<String> woken = second.call(id, "/after-restart");
            assertThat(woken.statusCode()).isEqualTo(200);
            assertThat(new JsonObject(woken.body()).getString("path")).isEqualTo("/after-restart");
        }
    }

    private String deployHello(String sleepAfter) {
        return server.deploy(token, "index.js", TestApps.source("hello.js"), Map.of("sleepAfter", sleepAfter)).getString("id");
    }

    private Path log(String id) {
        return server.dataDir().resolve("logs/" + id + ".log");
    }

    private long starts(String id) throws IOException {
        return Files.readAllLines(log(id)).stream().filter(l -> l.endsWith("[slipway] starting")).count();
    }

    /** The ids of the token's user's apps, as their list says. */
    private static java.util.Set<String> projectIds() {
        return new JsonObject(server.get("/api/mcp-projects", token).body()).getJsonArray("projects").stream()
                .map(p -> ((JsonObject) p).getString("id")).collect(java.util.stream.Collectors.toSet());
    }
}
