package io.slipway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.slipway.testing.Multipart;
import io.slipway.testing.TestApps;
import io.slipway.testing.TestServer;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An app's {@code requestTimeout} on a real Slipway with a real sandboxed app: a route that never answers gets {@code
 * 504 request-timeout} from Slipway once the timeout has passed, and the app sees its request cancelled; a route that
 * answers in time, and a stream that has begun and runs far longer than the timeout, pass untouched; a timeout beyond
 * the plan's {@code maxRequestTimeout} is refused.
 */
class RequestTimeoutIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    @TempDir
    static Path dataDir;
    static TestServer server;
    static String alice;
    static String app;

    @BeforeAll
    static void start() {
        server = TestServer.start(dataDir, TestServer::fastLifecycle);
        alice = server.token("alice");
        JsonObject deployed = server.deploy(alice, "index.js", TestApps.source("edges.js"), Map.of("requestTimeout", "2s", "sleepAfter", "10m"));
        assertThat(deployed.getString("requestTimeout")).isEqualTo("2s");
        app = deployed.getString("id");
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    @Test
    void aRouteThatNeverAnswersGets504FromSlipwayOnceTheTimeoutHasPassedAndTheAppSeesItCancelled() {
        long t0 = System.nanoTime();
        HttpResponse<String> answer = server.call(app, "/hang");
        Duration took = Duration.ofNanos(System.nanoTime() - t0);

        assertThat(answer.statusCode()).isEqualTo(504);
        assertThat(answer.headers().firstValue("X-Slipway-Error")).hasValue("request-timeout");
        assertThat(answer.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        JsonObject problem = new JsonObject(answer.body());
        assertThat(problem.getString("type")).endsWith("/problems/request-timeout");
        assertThat(problem.getInteger("status")).isEqualTo(504);
        assertThat(problem.getString("detail")).contains("within its requestTimeout (2s)");
        assertThat(took).isBetween(TIMEOUT, TIMEOUT.plusSeconds(3));
        await().atMost(Duration.ofSeconds(5)).until(() -> new JsonObject(server.call(app, "/cancelled").body()).getInteger("cancelled") >= 1);
    }

    @Test
    void aRouteThatAnswersWithinTheTimeoutIsUntouched() {
        HttpResponse<String> fast = server.call(app, "/");
        assertThat(fast.statusCode()).isEqualTo(200);
        assertThat(fast.headers().firstValue("X-Slipway-Error")).isEmpty();

        HttpResponse<String> slowButInTime = server.call(app, "/delay?ms=800");
        assertThat(slowButInTime.statusCode()).isEqualTo(200);
        assertThat(slowButInTime.body()).isEqualTo("answered");
    }

    @Test
    void aStreamThatHasBegunRunsOnLongPastTheTimeout() {
        long t0 = System.nanoTime();
        // Ten events 500 ms apart: 5 s of stream, more than twice the 2 s timeout.
        HttpResponse<Stream<String>> stream = server.send(HttpRequest.newBuilder(server.base().resolve("/containers/" + app + "/ticker?n=10&ms=500")),
                HttpResponse.BodyHandlers.ofLines());
        List<String> events = stream.body().filter(l -> l.startsWith("data: ")).toList();

        assertThat(stream.statusCode()).isEqualTo(200);
        assertThat(events).hasSize(10).last().isEqualTo("data: 10");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThan(TIMEOUT.multipliedBy(2));
    }

    @Test
    void aPatchChangesTheTimeoutAtOnceWithinThePlanAndNullRemovesIt() {
        String id = server.deploy(alice, "index.js", TestApps.source("edges.js"), Map.of()).getString("id");
        JsonObject before = server.server(alice, id);
        assertThat(before.containsKey("requestTimeout")).isTrue();
        assertThat(before.getString("requestTimeout")).as("none by default").isNull();

        HttpResponse<String> set = server.sendJson("PATCH", "/api/containers/servers/" + id, alice, "{\"requestTimeout\":1}");
        assertThat(set.statusCode()).as(set.body()).isEqualTo(200);
        assertThat(new JsonObject(set.body()).getString("requestTimeout")).isEqualTo("1s");
        assertThat(server.call(id, "/delay?ms=1800").statusCode()).isEqualTo(504);

        HttpResponse<String> cleared = server.sendJson("PATCH", "/api/containers/servers/" + id, alice, "{\"requestTimeout\":null}");
        assertThat(cleared.statusCode()).as(cleared.body()).isEqualTo(200);
        assertThat(new JsonObject(cleared.body()).getString("requestTimeout")).isNull();
        assertThat(server.call(id, "/delay?ms=1800").statusCode()).isEqualTo(200);
        assertThat(server.appLog(id)).contains("settings changed: requestTimeout").doesNotContain("restarted with them");
    }

    @Test
    void aTimeoutBeyondThePlansBoundIsRefusedAtUploadAndPatch() {
        HttpResponse<String> upload = server.upload(alice, new Multipart().file("index.js", TestApps.source("edges.js"))
                .field("requestTimeout", "5m"));
        assertThat(upload.statusCode()).as(upload.body()).isEqualTo(400);
        JsonObject problem = new JsonObject(upload.body());
        assertThat(problem.getString("type")).endsWith("/problems/invalid-request-timeout");
        assertThat(problem.getString("detail")).contains("at most 1m on the free plan");

        HttpResponse<String> patch = server.sendJson("PATCH", "/api/containers/servers/" + app, alice, "{\"requestTimeout\":\"2h\"}");
        assertThat(patch.statusCode()).isEqualTo(400);
        assertThat(new JsonObject(patch.body()).getString("type")).endsWith("/problems/invalid-request-timeout");
        assertThat(server.server(alice, app).getString("requestTimeout")).as("unchanged").isEqualTo("2s");
        assertThat(new JsonObject(server.get("/api/usage", alice).body()).getJsonObject("limits").getString("maxRequestTimeout")).isEqualTo("1m");
    }
}
