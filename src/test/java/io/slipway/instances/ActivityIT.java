package io.slipway.instances;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.slipway.testing.SlipwayServerExtension;
import io.slipway.testing.SlipwayServerExtension.DataDir;
import io.slipway.testing.SlipwayServerExtension.Token;
import io.slipway.testing.TestApps;
import io.slipway.testing.TestServer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What keeps an app awake: a request waiting for its answer, and bytes moving; not an open stream that carries
 * nothing, which is ended cleanly when the app goes to sleep.
 */
class ActivityIT {
    @RegisterExtension
    static final SlipwayServerExtension slipway = SlipwayServerExtension.withConfig(TestServer::fastLifecycle);
    static TestServer server;
    @DataDir
    static Path dataDir;
    @Token("activity")
    static String token;

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

    @Test
    void webSocketCarryingMessagesKeepsTheAppAwake() throws Exception {
        String app = deployWebSocketEcho();
        List<String> echoes = new java.util.concurrent.CopyOnWriteArrayList<>();
        WebSocket socket = connect(app, echoes, new CompletableFuture<>());

        // One message every 500 ms for 5 s: longer than the 2 s sleepAfter, with traffic all along.
        var ticker = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        var sent = new java.util.concurrent.atomic.AtomicInteger();
        ticker.scheduleAtFixedRate(() -> {
            int n = sent.getAndIncrement();
            if (n < 10) socket.sendText("m" + n, true);
        }, 0, 500, TimeUnit.MILLISECONDS);
        try {
            await().atMost(Duration.ofSeconds(15)).until(() -> echoes.size() == 10);
        } finally {
            ticker.shutdownNow();
        }

        assertThat(echoes).hasSize(10).last().isEqualTo("echo:m9");
        assertThat(Files.readString(dataDir.resolve("logs/" + app + ".log"))).doesNotContain("going to sleep");
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").join();
    }

    @Test
    void silentWebSocketDoesNotKeepTheAppAwakeAndIsClosedWithGoingAway() throws Exception {
        String app = deployWebSocketEcho();
        CompletableFuture<Integer> closed = new CompletableFuture<>();
        connect(app, new java.util.concurrent.CopyOnWriteArrayList<>(), closed);

        assertThat(closed.get(30, TimeUnit.SECONDS)).isEqualTo(1001);
        await().atMost(Duration.ofSeconds(10)).until(() -> "sleeping".equals(server.server(token, app).getString("status")));
    }

    private static String deployWebSocketEcho() {
        String id = server.deploy(token, "index.js", TestApps.source("ws-echo.js"), Map.of("sleepAfter", "2s", "requirements", "ws"))
                .getString("id");
        assertThat(server.call(id, "/").statusCode()).isEqualTo(200);
        return id;
    }

    private static WebSocket connect(String app, List<String> received, CompletableFuture<Integer> closed) {
        return server.http().newWebSocketBuilder().buildAsync(
                java.net.URI.create("ws://127.0.0.1:" + server.base().getPort() + "/containers/" + app + "/ws"), new WebSocket.Listener() {
                    @Override
                    public java.util.concurrent.CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                        received.add(data.toString());
                        ws.request(1);
                        return null;
                    }

                    @Override
                    public java.util.concurrent.CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
                        closed.complete(statusCode);
                        return null;
                    }

                    @Override
                    public void onError(WebSocket ws, Throwable error) {
                        closed.completeExceptionally(error);
                    }
                }).join();
    }

    private static String deploy() {
        String id = server.deploy(token, "index.js", TestApps.source("edges.js"), Map.of("sleepAfter", "2s")).getString("id");
        assertThat(server.call(id, "/").statusCode()).isEqualTo(200);
        return id;
    }
}
