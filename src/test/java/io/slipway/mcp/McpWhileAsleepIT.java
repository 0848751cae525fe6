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
 * Discovery without waking (DESIGN §4): while a recognised MCP server sleeps, {@code initialize}, {@code
 * notifications/initialized}, {@code ping} and the lists are answered from what its deploy recorded, and it stays
 * asleep; a tool call wakes it. Driven with plain HTTP as the specification writes it, and with the TypeScript SDK's
 * client.
 */
class McpWhileAsleepIT {
    @RegisterExtension
    static final SlipwayServerExtension slipway = SlipwayServerExtension.withConfig(TestServer::fastLifecycle);
    static TestServer server;
    @Token("sam")
    static String sam;
    static TypeScriptMcpClient client;

    @BeforeAll
    static void installClient() {
        client = TypeScriptMcpClient.install();
    }

    @Test
    void discoveryIsAnsweredFromTheRecordAndTheAppSleepsOnUntilAToolIsCalled() {
        String id = deployAsleep(Map.of());

        HttpResponse<String> init = post(id, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\","
                + "\"capabilities\":{},\"clientInfo\":{\"name\":\"curl\",\"version\":\"1\"}}}", "application/json, text/event-stream", null);
        assertThat(init.statusCode()).as(init.body()).isEqualTo(200);
        JsonObject initialized = new JsonObject(init.body());
        assertThat(initialized.getInteger("id")).as("the client's own id").isEqualTo(7);
        assertThat(initialized.getJsonObject("result").getString("protocolVersion")).as("the revision the client asked for").isEqualTo("2025-06-18");
        assertThat(initialized.getJsonObject("result").getJsonObject("serverInfo").getString("name")).isEqualTo("slipway-test");
        assertThat(post(id, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}", "application/json, text/event-stream", null)
                .statusCode()).isEqualTo(202);
        assertThat(new JsonObject(post(id, "{\"jsonrpc\":\"2.0\",\"id\":\"p\",\"method\":\"ping\"}", "application/json", null).body())
                .getJsonObject("result")).isEmpty();
        HttpResponse<String> tools = post(id, "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"tools/list\"}", "text/event-stream", "2025-11-25");
        assertThat(tools.headers().firstValue("content-type")).contains("text/event-stream");
        assertThat(tools.body()).startsWith("event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":8,\"result\":{\"tools\":[{\"name\":\"add\"");
        assertThat(status(id)).as("discovery did not wake it").isEqualTo("sleeping");

        HttpResponse<String> called = post(id, "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/call\",\"params\":{\"name\":\"add\","
                + "\"arguments\":{\"a\":2,\"b\":40}}}", "application/json, text/event-stream", "2025-11-25");

        assertThat(called.statusCode()).as(called.body()).isEqualTo(200);
        assertThat(called.body()).contains("42");
        assertThat(status(id)).as("a tool call wakes it").isEqualTo("running");
    }

    @Test
    void theSdkClientListsToolsOfASleepingServerAndItsToolCallWakesIt() {
        String id = deployAsleep(Map.of());

        JsonObject run = client.listToolsAndAdd(server.base() + "/containers/" + id + "/mcp");

        assertThat(run.getJsonArray("tools").getList()).containsExactly("add");
        assertThat(run.getString("result")).isEqualTo("5");
        assertThat(status(id)).isEqualTo("running");
    }

    @Test
    void aPrivateSleepingServerAnswersDiscoveryOnlyToThoseItWouldHaveAnswered() {
        String id = deployAsleep(Map.of("private", "true"));

        HttpResponse<String> stranger = post(id, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}", "application/json", "2025-11-25");

        assertThat(stranger.statusCode()).isEqualTo(401);
        assertThat(stranger.body()).doesNotContain("add");
        HttpResponse<String> owner = server.send(request(id, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}", "application/json", "2025-11-25")
                .header("Authorization", "Bearer " + sam));
        assertThat(owner.statusCode()).isEqualTo(200);
        assertThat(owner.body()).contains("\"add\"");
        assertThat(status(id)).isEqualTo("sleeping");
    }

    /** The SDK's stateless server, deployed with sleepAfter 1 s, once it sleeps. */
    private static String deployAsleep(Map<String, String> fields) {
        Map<String, String> all = new java.util.HashMap<>(fields);
        all.put("requirements", "@modelcontextprotocol/sdk zod express");
        all.put("sleepAfter", "1s");
        JsonObject app = server.deploy(sam, "index.ts", TestApps.source("mcp.ts"), all);
        assertThat(app.getJsonObject("mcp")).as("recognised at its deploy: %s", app).isNotNull();
        String id = app.getString("id");
        await().atMost(Duration.ofSeconds(20)).until(() -> status(id).equals("sleeping"));
        return id;
    }

    private static String status(String id) {
        return server.server(sam, id).getString("status");
    }

    private static HttpResponse<String> post(String id, String body, String accept, String protocol) {
        return server.send(request(id, body, accept, protocol));
    }

    private static HttpRequest.Builder request(String id, String body, String accept, String protocol) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.base() + "/containers/" + id + "/mcp"))
                .header("Content-Type", "application/json").header("Accept", accept).POST(HttpRequest.BodyPublishers.ofString(body));
        if (protocol != null) request.header("MCP-Protocol-Version", protocol);
        return request;
    }
}
