package io.slipway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.slipway.testing.SlipwayServerExtension;
import io.slipway.testing.SlipwayServerExtension.Token;
import io.slipway.testing.TestApps;
import io.slipway.testing.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.SequenceInputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The data plane, end to end: real apps in real sandboxes, reached only through {@code /containers/{id}/**}. */
class ProxyIT {
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    @RegisterExtension
    static final SlipwayServerExtension slipway = SlipwayServerExtension.withDefaults();

    private static TestServer server;
    @Token("proxy-it")
    private static String token;
    private static final Map<String, String> APPS = new ConcurrentHashMap<>();

    /** Deploys a test app once per class under the given file name; returns its id once it answers {@code path}. */
    private static String app(String resource, String fileName, String requirements, String readyPath) {
        return APPS.computeIfAbsent(resource, r -> {
            Map<String, String> fields = requirements == null ? Map.of() : Map.of("requirements", requirements);
            String id = server.deploy(token, fileName, TestApps.source(resource), fields).getString("id");
            // The first request wakes the app; later requests then measure the proxy, not a cold start.
            await().atMost(DEADLINE).until(() -> server.call(id, readyPath).statusCode(), status -> status < 500);
            return id;
        });
    }

    private static String hello() {
        return app("hello.js", "index.js", null, "/");
    }

    private static URI dataPlane(String appId, String path) {
        return server.base().resolve("/containers/" + appId + path);
    }

    // --- streaming ---------------------------------------------------------------------------------------------

    @Test
    void serverSentEventsArriveOneByOneAsTheAppFlushesThem() throws Exception {
        String id = app("sse.js", "index.js", null, "/");
        HttpRequest request = HttpRequest.newBuilder(dataPlane(id, "/events")).header("Accept", "text/event-stream").GET().build();
        HttpResponse<Stream<String>> response = server.http().sendAsync(request, HttpResponse.BodyHandlers.ofLines())
                .get(DEADLINE.toSeconds(), TimeUnit.SECONDS);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
        List<String> data = Collections.synchronizedList(new ArrayList<>());
        List<Long> arrivals = Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<Void> drained = CompletableFuture.runAsync(() -> {
            try (Stream<String> lines = response.body()) {
                lines.filter(line -> line.startsWith("data:")).forEach(line -> {
                    arrivals.add(System.nanoTime());
                    data.add(line.substring("data:".length()).trim());
                });
            }
        });
        drained.get(30, TimeUnit.SECONDS);

        assertThat(data).hasSize(5);
        for (int i = 0; i < data.size(); i++) assertThat(new JsonObject(data.get(i)).getInteger("n")).isEqualTo(i + 1);
        long spreadMillis = TimeUnit.NANOSECONDS.toMillis(arrivals.getLast() - arrivals.getFirst());
        // The app writes one event every 300 ms (1200 ms from first to last): a buffering proxy would deliver them together.
        assertThat(spreadMillis).as("ms between the first and the last event").isGreaterThanOrEqualTo(800);
    }

    @Test
    void aWebSocketUpgradesThroughTheProxyEchoesAndClosesCleanly() throws Exception {
        String id = app("ws-echo.js", "index.js", "ws", "/");
        CompletableFuture<String> firstMessage = new CompletableFuture<>();
        CompletableFuture<Integer> closedByServer = new CompletableFuture<>();
        WebSocket.Listener listener = new WebSocket.Listener() {
            private final StringBuilder text = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                text.append(data);
                if (last) firstMessage.complete(text.toString());
                webSocket.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
                closedByServer.complete(statusCode);
                return null;
            }

            @Override
            public void onError(WebSocket webSocket, Throwable error) {
                firstMessage.completeExceptionally(error);
                closedByServer.completeExceptionally(error);
            }
        };
        URI uri = URI.create("ws://127.0.0.1:" + server.base().getPort() + "/containers/" + id + "/ws");
        WebSocket socket = server.http().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10)).buildAsync(uri, listener)
                .get(DEADLINE.toSeconds(), TimeUnit.SECONDS);

        socket.sendText("hi", true).get(10, TimeUnit.SECONDS);
        assertThat(firstMessage.get(10, TimeUnit.SECONDS)).isEqualTo("echo:hi");

        socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(10, TimeUnit.SECONDS);
        assertThat(socket.isOutputClosed()).isTrue();
        // The app answers the close frame through the proxy with the same code.
        assertThat(closedByServer.get(10, TimeUnit.SECONDS)).isEqualTo(WebSocket.NORMAL_CLOSURE);
        await().atMost(Duration.ofSeconds(10)).until(socket::isInputClosed);
    }

    // --- status codes, bodies and headers ---------------------------------------------------------------------------

    @Test
    void anUnusualStatusAndItsBodyPassThroughUntouched() {
        String id = app("express.ts", "index.ts", "express cors", "/");

        HttpResponse<String> response = server.call(id, "/teapot");

        assertThat(response.statusCode()).isEqualTo(418);
        assertThat(response.body()).isEqualTo("short and stout");
        assertThat(response.headers().firstValue("X-Slipway-Error")).isEmpty();
    }

    @Test
    void aJsonPostReachesTheAppAndItsCreatedAnswerComesBackWithCorsHeaders() {
        String id = app("express.ts", "index.ts", "express cors", "/");
        JsonObject sent = new JsonObject().put("greeting", "héllo").put("n", 42).put("list", new JsonArray().add(1).add(2).add(3));

        HttpResponse<String> response = server.send(HttpRequest.newBuilder(dataPlane(id, "/echo"))
                .header("Content-Type", "application/json").header("Origin", "https://example.test")
                .POST(HttpRequest.BodyPublishers.ofString(sent.encode(), StandardCharsets.UTF_8)));

        assertThat(response.statusCode()).isEqualTo(201);
        assertThat(new JsonObject(response.body()).getJsonObject("received")).isEqualTo(sent);
        assertThat(response.headers().firstValue("Access-Control-Allow-Origin")).hasValue("*");
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
    }

    @Test
    void aCorsPreflightIsAnsweredByTheApp() {
        String id = app("express.ts", "index.ts", "express cors", "/");

        HttpResponse<String> response = server.send(HttpRequest.newBuilder(dataPlane(id, "/echo"))
                .header("Origin", "https://example.test").header("Access-Control-Request-Method", "POST")
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()));

        assertThat(response.statusCode()).isEqualTo(204);
        assertThat(response.headers().firstValue("Access-Control-Allow-Origin")).hasValue("*");
        assertThat(response.headers().firstValue("Access-Control-Allow-Methods")).hasValueSatisfying(m -> assertThat(m).contains("POST"));
    }

    // --- paths ----------------------------------------------------------------------------------------------------

    @Test
    void theAppRootIsReachedWithAndWithoutATrailingSlash() {
        String id = hello();

        for (String path : List.of("", "/")) {
            HttpResponse<String> response = server.call(id, path);
            assertThat(response.statusCode()).as("/containers/%s%s", id, path).isEqualTo(200);
            assertThat(new JsonObject(response.body()).getString("url")).as("/containers/%s%s", id, path).isEqualTo("/");
        }
    }

    @Test
    void thePrefixIsStrippedAndTheQueryStringPassesUnchanged() {
        String id = hello();

        assertThat(url(server.call(id, "/a/b?x=1&y=%20z"))).isEqualTo("/a/b?x=1&y=%20z");
        assertThat(url(server.call(id, "?q=1"))).isEqualTo("/?q=1");
        assertThat(url(server.call(id, "/containers/" + id + "/again"))).isEqualTo("/containers/" + id + "/again");
    }

    @Test
    void theAppLearnsItsPrefixAndTheClientAddressFromForwardedHeaders() {
        String id = hello();

        JsonObject seen = new JsonObject(server.call(id, "/whoami").body());

        assertThat(seen.getString("forwardedPrefix")).isEqualTo("/containers/" + id);
        assertThat(seen.getString("forwardedFor")).isEqualTo("127.0.0.1");
        assertThat(seen.getString("method")).isEqualTo("GET");
    }

    private static String url(HttpResponse<String> response) {
        assertThat(response.statusCode()).isEqualTo(200);
        return new JsonObject(response.body()).getString("url");
    }

    @Test
    void everyAppIsToldItsEndpointAsPublicUrl() {
        String id = app("landing.js", "index.js", null, "/landed");

        JsonObject seen = new JsonObject(server.call(id, "/landed").body());

        String endpoint = "http://localhost:" + server.base().getPort() + "/containers/" + id;
        assertThat(server.server(token, id).getString("endpoint")).isEqualTo(endpoint);
        assertThat(seen.getString("publicUrl")).isEqualTo(endpoint);
    }

    // --- Slipway's own errors ---------------------------------------------------------------------------------------

    @Test
    void anUnknownAppIdIsANotFoundProblemFromSlipway() {
        HttpResponse<String> response = server.call("nosuchappxxxxxxxxxxxxxxxxx", "/anything");

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
        assertThat(response.headers().firstValue("X-Slipway-Error")).hasValue("not-found");
        JsonObject problem = new JsonObject(response.body());
        assertThat(problem.getInteger("status")).isEqualTo(404);
        assertThat(problem.getString("type")).endsWith("/problems/not-found");
    }

    @Test
    void aPathWithoutAValidAppIdIsANotFoundProblemFromSlipway() {
        for (String path : List.of("/containers/", "/containers/Not-An-Id/x")) {
            HttpResponse<String> response = server.get(path, null);
            assertThat(response.statusCode()).as(path).isEqualTo(404);
            assertThat(response.headers().firstValue("Content-Type")).as(path)
                    .hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
            assertThat(response.headers().firstValue("X-Slipway-Error")).as(path).hasValue("not-found");
        }
    }

    // --- large bodies ---------------------------------------------------------------------------------------------

    @Test
    void aFiveMegabyteRequestBodyArrivesWhole() throws Exception {
        String id = app("count-bytes.js", "index.js", null, "/");
        byte[] body = randomBytes(5 * 1024 * 1024 + 17);

        HttpResponse<String> response = server.send(HttpRequest.newBuilder(dataPlane(id, "/upload"))
                .header("Content-Type", "application/octet-stream").POST(HttpRequest.BodyPublishers.ofByteArray(body)));

        assertThat(response.statusCode()).isEqualTo(200);
        JsonObject received = new JsonObject(response.body());
        assertThat(received.getLong("bytes")).isEqualTo(body.length);
        assertThat(received.getString("sha256")).isEqualTo(sha256(body));
    }

    @Test
    void aFiveMegabyteChunkedRequestBodyArrivesWhole() throws Exception {
        String id = app("count-bytes.js", "index.js", null, "/");
        byte[] first = randomBytes(3 * 1024 * 1024);
        byte[] second = randomBytes(2 * 1024 * 1024 + 5);
        byte[] whole = new byte[first.length + second.length];
        System.arraycopy(first, 0, whole, 0, first.length);
        System.arraycopy(second, 0, whole, first.length, second.length);

        // No length known up front: the client sends Transfer-Encoding: chunked.
        HttpResponse<String> response = server.send(HttpRequest.newBuilder(dataPlane(id, "/upload"))
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new SequenceInputStream(
                        new ByteArrayInputStream(first), new ByteArrayInputStream(second)))));

        assertThat(response.statusCode()).isEqualTo(200);
        JsonObject received = new JsonObject(response.body());
        assertThat(received.getLong("bytes")).isEqualTo(whole.length);
        assertThat(received.getString("sha256")).isEqualTo(sha256(whole));
    }

    private static byte[] randomBytes(int size) {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        return bytes;
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
