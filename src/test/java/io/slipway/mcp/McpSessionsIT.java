package io.slipway.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.slipway.testing.SlipwayServerExtension;
import io.slipway.testing.SlipwayServerExtension.Token;
import io.slipway.testing.TestApps;
import io.slipway.testing.TestServer;
import io.slipway.testing.TypeScriptMcpClient;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Sessions that survive sleep (DESIGN §4), with the SDK's documented stateful server: Slipway holds the client's
 * {@code Mcp-Session-Id}, answers its discovery while the app sleeps, and re-initializes the app's next process behind
 * it, so a client connected before a sleep calls tools after it with no error.
 */
class McpSessionsIT {
    private static final String DEPS = "@modelcontextprotocol/sdk zod express";
    @RegisterExtension
    static final SlipwayServerExtension slipway = SlipwayServerExtension.withConfig(TestServer::fastLifecycle);
    static TestServer server;
    @Token("stella")
    static String stella;
    static TypeScriptMcpClient client;

    @BeforeAll
    static void installClient() {
        client = TypeScriptMcpClient.install();
    }

    @Test
    void oneSdkClientSessionCallsAToolBeforeAndAfterTheAppSleeps() {
        String id = deploy();

        JsonObject run = client.callAcrossSleep(endpoint(id), server.base() + "/api/containers/servers/" + id, stella);

        assertThat(run.getString("first")).isEqualTo("5");
        assertThat(run.getBoolean("slept")).as("the app slept between the calls: %s", run).isTrue();
        assertThat(run.getString("second")).as("the second call, in the same session after the sleep").isEqualTo("9");
        assertThat(run.getBoolean("sameSession")).isTrue();
        // A tool call is never answered from the record: the app's second process took up the session (it may be asleep
        // again by now, its sleepAfter being 1 s).
        assertThat(server.appLog(id)).contains("going to sleep");
        assertThat(server.appLog(id).split("\\[slipway\\] starting\\n", -1)).as("two starts").hasSizeGreaterThanOrEqualTo(3);
    }


    @Test
    void aSessionOpenedWhileTheAppSleepsIsAnsweredFromTheRecordUntilItsToolCallWakesTheApp() {
        String id = deploy();
        await().atMost(Duration.ofSeconds(20)).until(() -> status(id).equals("sleeping"));

        HttpResponse<String> init = post(id, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-11-25\","
                + "\"capabilities\":{},\"clientInfo\":{\"name\":\"curl\",\"version\":\"1\"}}}", null);
        String session = init.headers().firstValue("mcp-session-id").orElseThrow(() -> new AssertionError("no session: " + init.body()));
        assertThat(new JsonObject(init.body()).getJsonObject("result").getJsonObject("serverInfo").getString("name")).isEqualTo("slipway-stateful");
        assertThat(post(id, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}", session).statusCode()).isEqualTo(202);
        HttpResponse<String> tools = post(id, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}", session);
        assertThat(tools.body()).contains("\"name\":\"add\"");
        assertThat(status(id)).as("discovery in a session did not wake it").isEqualTo("sleeping");
        assertThat(server.send(HttpRequest.newBuilder(URI.create(endpoint(id))).header("Mcp-Session-Id", session)
                .header("Accept", "text/event-stream").GET()).statusCode()).as("no stream while it sleeps").isEqualTo(405);

        HttpResponse<String> called = post(id, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"add\","
                + "\"arguments\":{\"a\":20,\"b\":22}}}", session);

        assertThat(called.statusCode()).as(called.body()).isEqualTo(200);
        assertThat(called.body()).contains("42");
        assertThat(called.headers().firstValue("mcp-session-id")).as("the client keeps Slipway's id").hasValueSatisfying(
                s -> assertThat(s).isEqualTo(session));
        assertThat(status(id)).isEqualTo("running");
        HttpResponse<String> ended = server.send(HttpRequest.newBuilder(URI.create(endpoint(id))).header("Mcp-Session-Id", session).DELETE());
        assertThat(ended.statusCode()).isEqualTo(200);
        assertThat(post(id, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/list\"}", session).statusCode())
                .as("an ended session is the app's to refuse").isEqualTo(404);
    }

    private static String deploy() {
        JsonObject app = server.deploy(stella, "index.ts", TestApps.source("mcp-stateful.ts"), Map.of("requirements", DEPS, "sleepAfter", "1s"));
        assertThat(app.getJsonObject("mcp")).as("recognised: %s", app).isNotNull();
        return app.getString("id");
    }

    private static String endpoint(String id) {
        return server.base() + "/containers/" + id + "/mcp";
    }

    private static String status(String id) {
        return server.server(stella, id).getString("status");
    }

    private static HttpResponse<String> post(String id, String body, String session) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(endpoint(id))).header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream").header("MCP-Protocol-Version", "2025-11-25")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (session != null) request.header("Mcp-Session-Id", session);
        return server.send(request);
    }
}
