package io.slipway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.slipway.config.ConfigLoader;
import io.slipway.config.Plan;
import io.slipway.mcp.ToolCalls;
import io.slipway.metering.ToolMeter;
import io.slipway.metering.ToolStats;
import io.slipway.metering.ToolUsageStore;
import io.slipway.store.Database;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The observer against real HTTP answers: a Vert.x server writes each answer chunk by chunk, through the observer, as
 * the proxy's relay does, and a real client reads it; the tool meter behind it stores to SQLite.
 */
class ToolCallObserverTest {
    private static final String OK = "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"content\":[]}}";
    private static final Plan PLAN = ConfigLoader.load(null, Map.of(), Map.of("plans.free.toolCallsPerMonth", "5")).plan("free");

    @TempDir
    Path dir;
    Database database;
    ToolMeter meter;
    Vertx vertx;
    HttpServer server;
    final AtomicReference<Consumer<io.vertx.core.http.HttpServerRequest>> handler = new AtomicReference<>();
    final HttpClient client = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        database = Database.openSqlite(dir.resolve("test.db"));
        meter = new ToolMeter(new ToolUsageStore(database), Clock.systemUTC(), ToolMeter.Listener.NONE);
        vertx = Vertx.vertx();
        server = vertx.createHttpServer().requestHandler(request -> handler.get().accept(request)).listen(0).await();
    }

    @AfterEach
    void stop() {
        vertx.close().await();
        database.close();
    }

    /** Answers the next request with {@code status}, {@code type} and {@code chunks}, relayed through a new observer. */
    private HttpResponse<String> answer(int status, String type, List<String> chunks) throws Exception {
        handler.set(request -> {
            ToolCallObserver observer = new ToolCallObserver(meter, "app", "alice", PLAN, new ToolCalls.Call("add", "7", "n:7"));
            assertThat(observer.count()).isTrue();
            var response = request.response();
            observer.watch(response);
            response.setStatusCode(status).putHeader("Content-Type", type).setChunked(true);
            for (String chunk : chunks) {
                Buffer buffer = Buffer.buffer(chunk);
                observer.relayed(buffer);
                response.write(buffer);
            }
            response.end();
        });
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.actualPort() + "/mcp")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aResponseSplitAcrossChunksIsACallWithoutError() throws Exception {
        HttpResponse<String> response = answer(200, "application/json", List.of(OK.substring(0, 20), OK.substring(20)));

        assertThat(response.body()).as("relayed untouched").isEqualTo(OK);
        assertThat(meter.unwritten("app").get("add")).extracting(ToolStats::calls, ToolStats::errors).containsExactly(1L, 0L);
    }

    @Test
    void anIsErrorResultAfterANotificationInAStreamIsAnError() throws Exception {
        answer(200, "text/event-stream", List.of("event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\"}\n\n",
                "event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"content\":[],\"isError\":true}}\n\n"));

        assertThat(meter.unwritten("app").get("add")).extracting(ToolStats::calls, ToolStats::errors).containsExactly(1L, 1L);
    }

    @Test
    void aStatusOtherThan2xxAndAnAnswerWithoutTheResponseAreErrors() throws Exception {
        answer(500, "application/json", List.of(OK));
        answer(200, "text/event-stream", List.of("data: {\"jsonrpc\":\"2.0\",\"id\":8,\"result\":{}}\n\n"));
        answer(200, "text/plain", List.of("5"));

        // Decided at the answer's end, which the server hears of once the client may already have read it.
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(meter.unwritten("app").get("add"))
                .extracting(ToolStats::calls, ToolStats::errors).containsExactly(3L, 3L));
    }

    @Test
    void pastTheCapTheCallIsAnswered429WithAJsonRpcErrorToItsId() throws Exception {
        handler.set(request -> ToolCallObserver.answered(request, new ToolCallObserver.Refused(new ToolCalls.Call("add", "\"x\"", "s:x"),
                PLAN, Duration.ofHours(3))));

        HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.actualPort() + "/mcp"))
                .header("Accept", "application/json, text/event-stream").build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(429);
        assertThat(response.headers().firstValue("Retry-After")).hasValue("10800");
        assertThat(response.headers().firstValue("X-Slipway-Error")).hasValue("tool-calls-exceeded");
        JsonObject body = new JsonObject(response.body());
        assertThat(body.getString("id")).isEqualTo("x");
        assertThat(body.getJsonObject("error").getString("message")).contains("5 tool calls of the free plan");
        assertThat(ToolCallObserver.answered(null, new IllegalStateException())).as("other failures are not its").isFalse();
    }
}
