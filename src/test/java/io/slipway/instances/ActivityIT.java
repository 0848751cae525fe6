package io.slipway.instances;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.slipway.testing.TestApps;
import io.slipway.testing.TestServer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What keeps an app awake: a request waiting for its answer, and bytes moving; not an open stream that carries
 * nothing, which is ended cleanly when the app goes to sleep.
 */
class ActivityIT {
    @TempDir
    static Path dataDir;
    static TestServer server;
    static String token;

    @BeforeAll
    static void start() {
        server = TestServer.start(dataDir, LifecycleIT::fastLifecycle);
        token = server.token("activity");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void openStreamThatCarriesNothingDoesNotKeepTheAppAwakeAndEndsCleanlyWhenItSleeps() throws Exception {
        String app = deploy();
        long t0 = System.nanoTime();
        HttpResponse<Stream<String>> stream = server.http().send(HttpRequest.newBuilder(
                server.base().resolve("/containers/" + app + "/silent-stream")).build(), HttpResponse.BodyHandlers.ofLines());

        // Reading to the end throws if the stream is reset rather than ended.
        List<String> lines = CompletableFuture.supplyAsync(() -> stream.body().toList()).get(30, TimeUnit.SECONDS);

        assertThat(lines).contains("data: hello");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofSeconds(2));
        await().atMost(Duration.ofSeconds(10)).until(() -> "sleeping".equals(server.server(token, app).getString("status")));
        assertThat(server.call(app, "/").statusCode()).as("the next request wakes it").isEqualTo(200);
    }

    @Test
    void streamThatKeepsCarryingEventsKeepsTheAppAwake() throws Exception {
        String app = deploy();

        HttpResponse<Stream<String>> stream = server.http().send(HttpRequest.newBuilder(
                server.base().resolve("/containers/" + app + "/ticker?n=10&ms=500")).build(), HttpResponse.BodyHandlers.ofLines());
        List<String> events = stream.body().filter(l -> l.startsWith("data: ")).toList();

        assertThat(events).hasSize(10).last().isEqualTo("data: 10");
        assertThat(Files.readString(dataDir.resolve("logs/" + app + ".log"))).doesNotContain("going to sleep");
    }

    @Test
    void requestWaitingForItsAnswerKeepsTheAppAwakePastItsSleepAfter() throws Exception {
        String app = deploy();

        HttpResponse<String> answer = server.call(app, "/delay?ms=3500");

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.body()).isEqualTo("answered");
        assertThat(Files.readString(dataDir.resolve("logs/" + app + ".log"))).doesNotContain("going to sleep");
    }

    private static String deploy() {
        String id = server.deploy(token, "index.js", TestApps.source("edges.js"), Map.of("sleepAfter", "2s")).getString("id");
        assertThat(server.call(id, "/").statusCode()).isEqualTo(200);
        return id;
    }
}
