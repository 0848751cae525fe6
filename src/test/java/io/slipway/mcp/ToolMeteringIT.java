package io.slipway.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.slipway.testing.PrometheusText;
import io.slipway.testing.SlipwayServerExtension;
import io.slipway.testing.SlipwayServerExtension.Token;
import io.slipway.testing.TestApps;
import io.slipway.testing.TestServer;
import io.slipway.testing.TypeScriptMcpClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Per-tool metering of MCP servers (DESIGN §2 {@code usage.tools}, §4): every tool call through the proxy counted with
 * its errors and time, live in the server JSON and {@code /api/usage}, whether the SDK's client or curl-style HTTP
 * calls, and whether the server answers JSON or SSE; a plan's {@code toolCallsPerMonth} refused with a JSON-RPC error
 * and 429 without waking the app; and a flood of made-up tool names bounded.
 */
class ToolMeteringIT {
    @RegisterExtension
    static final SlipwayServerExtension slipway = SlipwayServerExtension.withKeys(Map.of("metering.flushInterval", "1s",
            "plans.capped.toolCallsPerMonth", "2", "plans.capped.apps", "1000", "plans.capped.requestsPerSecond", "100000"))
            .andConfig(TestServer::fastLifecycle);
    static TestServer server;
    @Token("tina")
    static String tina;
    static TypeScriptMcpClient client;

    @BeforeAll
    static void installClient() {
        client = TypeScriptMcpClient.install();
    }

    @Test
    void everyToolCallIsCountedWithItsErrorsWhateverTheClientAndTheFormOfTheAnswer() {
        String sse = deploy(tina, Map.of());
        String json = deploy(tina, Map.of("env", "{\"JSON_RESPONSE\":\"true\"}"));

        assertThat(client.listToolsAndAdd(server.base() + "/containers/" + sse + "/mcp").getString("result")).isEqualTo("5");
        HttpResponse<String> streamed = call(sse, 11, "add", "{\"a\":2,\"b\":40}", Map.of());
        assertThat(streamed.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
        assertThat(streamed.body()).contains("42");
        assertThat(call(sse, 12, "add", "{\"a\":\"two\",\"b\":40}", Map.of()).statusCode()).as("invalid arguments").isEqualTo(200);

        HttpResponse<String> plain = call(json, "\"j1\"", "add", "{\"a\":1,\"b\":1}", Map.of());
        assertThat(plain.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        assertThat(new JsonObject(plain.body()).getString("id")).isEqualTo("j1");
        call(json, 2, "add", "{\"a\":1}", Map.of());
        call(json, 3, "nope", "{}", Map.of());
        // The 2026-07-28 revision's headers name the tool: they are what is counted.
        call(json, 4, "add", "{\"a\":1,\"b\":2}", Map.of("Mcp-Method", "tools/call", "Mcp-Name", "add"));
        // Over 64 KiB, the body streams to the app unread: the headers alone say what it is.
        HttpResponse<String> large = call(json, 5, "add", "{\"a\":1,\"b\":2,\"padding\":\"" + "x".repeat(70_000) + "\"}",
                Map.of("Mcp-Method", "tools/call", "Mcp-Name", "add"));
        assertThat(large.body()).contains("\"3\"");

        JsonObject sseTools = tools(server.server(tina, sse));
        assertThat(sseTools.fieldNames()).containsExactly("add");
        assertThat(sseTools.getJsonObject("add").getLong("calls")).as("the SDK's call, one by hand, one that erred").isEqualTo(3);
        assertThat(sseTools.getJsonObject("add").getLong("errors")).isEqualTo(1);
        assertThat(sseTools.getJsonObject("add").getLong("millis")).isNotNegative();
        JsonObject jsonTools = tools(server.server(tina, json));
        assertThat(jsonTools.getJsonObject("add").getMap()).containsEntry("calls", 4).containsEntry("errors", 1);
        assertThat(jsonTools.getJsonObject("nope").getMap()).containsEntry("calls", 1).containsEntry("errors", 1);

        // Live before and after the flush (1 s here): the figures never count a call twice or lose one.
        await().atMost(Duration.ofSeconds(10)).during(Duration.ofSeconds(2)).untilAsserted(() -> {
            JsonObject usage = new JsonObject(server.get("/api/usage", tina).body());
            JsonObject app = appIn(usage.getJsonArray("apps"), sse);
            assertThat(app.getJsonObject("tools").getJsonObject("add").getLong("calls")).isEqualTo(3);
            assertThat(usage.getJsonObject("total").getJsonObject("tools").getJsonObject("add").getLong("calls")).isEqualTo(7);
            assertThat(usage.getJsonObject("total").getLong("toolCalls")).isEqualTo(8);
            assertThat(usage.getJsonObject("limits").getValue("toolCallsPerMonth")).as("no cap on the free plan").isNull();
        });
        assertThat(tools(server.server(tina, json)).getJsonObject("add").getLong("calls")).isEqualTo(4);
        String scrape = io.slipway.testing.Curl.run(server.base() + "/metrics").body();
        assertThat(PrometheusText.value(scrape, "slipway_mcp_tool_calls_total{app=\"" + sse + "\",outcome=\"ok\",tool=\"add\"}")).isEqualTo(2);
        assertThat(PrometheusText.value(scrape, "slipway_mcp_tool_calls_total{app=\"" + sse + "\",outcome=\"error\",tool=\"add\"}")).isEqualTo(1);
        assertThat(PrometheusText.value(scrape, "slipway_mcp_tool_calls_total{app=\"" + json + "\",outcome=\"error\",tool=\"nope\"}")).isEqualTo(1);
        assertThat(PrometheusText.value(scrape, "slipway_mcp_tool_call_seconds_count{app=\"" + json + "\",tool=\"add\"}")).isEqualTo(4);
    }

    @Test
    void oneSdkClientSessionsCallsBeforeAndAfterTheAppSleepsAreBothCounted() {
        String sam = server.token("sam");
        JsonObject app = server.deploy(sam, "index.ts", TestApps.source("mcp-stateful.ts"),
                Map.of("requirements", "@modelcontextprotocol/sdk zod express", "sleepAfter", "1s"));
        String id = app.getString("id");

        JsonObject run = client.callAcrossSleep(server.base() + "/containers/" + id + "/mcp", server.base() + "/api/containers/servers/" + id, sam);

        assertThat(run.getBoolean("slept")).as("the app slept between the calls: %s", run).isTrue();
        assertThat(run.getString("second")).isEqualTo("9");
        JsonObject add = tools(server.server(sam, id)).getJsonObject("add");
        assertThat(add.getLong("calls")).as("the call in the session Slipway holds, before and after the sleep").isEqualTo(2);
        assertThat(add.getLong("errors")).isZero();
    }

    @Test
    void pastThePlansToolCallsACallGets429AndAJsonRpcErrorAndTheSleepingAppSleepsOn() {
        String carol = server.token("carol", "capped");
        String id = deploy(carol, Map.of("sleepAfter", "1s"));
        await().atMost(Duration.ofSeconds(20)).until(() -> status(carol, id).equals("sleeping"));

        assertThat(call(id, 1, "add", "{\"a\":1,\"b\":1}", Map.of()).statusCode()).as("wakes it").isEqualTo(200);
        assertThat(call(id, 2, "add", "{\"a\":1,\"b\":2}", Map.of()).statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(20)).until(() -> status(carol, id).equals("sleeping"));

        HttpResponse<String> refused = call(id, 3, "add", "{\"a\":1,\"b\":3}", Map.of());

        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.headers().firstValue("X-Slipway-Error")).hasValue("tool-calls-exceeded");
        assertThat(refused.headers().firstValue("Retry-After")).hasValueSatisfying(s -> assertThat(Long.parseLong(s)).isPositive());
        JsonObject error = new JsonObject(refused.body());
        assertThat(error.getInteger("id")).isEqualTo(3);
        assertThat(error.getJsonObject("error").getString("message")).contains("2 tool calls", "capped plan");
        HttpResponse<String> asEvent = server.send(request(id, 4, "add", "{}", Map.of()).header("Accept", "text/event-stream"));
        assertThat(asEvent.statusCode()).isEqualTo(429);
        assertThat(asEvent.body()).startsWith("event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":4,\"error\":");
        HttpResponse<String> listed = server.send(HttpRequest.newBuilder(URI.create(server.base() + "/containers/" + id + "/mcp"))
                .header("Content-Type", "application/json").header("Accept", "application/json, text/event-stream")
                .header("MCP-Protocol-Version", "2025-11-25")
                .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/list\"}")));
        assertThat(listed.statusCode()).as("discovery is no tool call").isEqualTo(200);
        assertThat(status(carol, id)).as("refused without waking it").isEqualTo("sleeping");
        JsonObject usage = new JsonObject(server.get("/api/usage", carol).body());
        assertThat(usage.getJsonObject("limits").getLong("toolCallsPerMonth")).isEqualTo(2);
        assertThat(usage.getJsonObject("total").getMap()).containsEntry("toolCalls", 2).containsEntry("toolCallsLeft", 0);
        assertThat(tools(server.server(carol, id)).getJsonObject("add").getLong("calls")).as("refused calls are not made").isEqualTo(2);
    }

    @Test
    void aFloodOfMadeUpToolNamesIsCountedUnderABoundedNumberOfNames() {
        String tom = server.token("tom");
        String id = deploy(tom, Map.of("env", "{\"JSON_RESPONSE\":\"true\"}"));
        int flood = 260;
        for (int i = 0; i < flood; i++) call(id, i, "made-up-" + UUID.randomUUID(), "{}", Map.of());
        call(id, flood, "x".repeat(5000), "{}", Map.of());

        JsonObject tools = tools(server.server(tom, id));

        assertThat(tools.size()).isEqualTo(201);
        assertThat(tools.getJsonObject("(other)").getLong("calls")).isEqualTo(flood + 1 - 200);
        assertThat(tools.stream().mapToLong(e -> ((JsonObject) e.getValue()).getLong("calls")).sum()).isEqualTo(flood + 1);
        assertThat(tools.stream().mapToLong(e -> ((JsonObject) e.getValue()).getLong("errors")).sum()).as("unknown tools err").isEqualTo(flood + 1);
    }

    /** The SDK's stateless server, running; its id. */
    private static String deploy(String token, Map<String, String> fields) {
        Map<String, String> all = new HashMap<>(fields);
        all.put("requirements", "@modelcontextprotocol/sdk zod express");
        JsonObject app = server.deploy(token, "index.ts", TestApps.source("mcp.ts"), all);
        assertThat(app.getJsonObject("mcp")).as("recognised at its deploy: %s", app).isNotNull();
        assertThat(tools(app)).isEmpty();
        return app.getString("id");
    }

    private static HttpResponse<String> call(String id, Object rpcId, String tool, String arguments, Map<String, String> headers) {
        return server.send(request(id, rpcId, tool, arguments, headers).header("Accept", "application/json, text/event-stream"));
    }

    private static HttpRequest.Builder request(String id, Object rpcId, String tool, String arguments, Map<String, String> headers) {
        String body = "{\"jsonrpc\":\"2.0\",\"id\":" + rpcId + ",\"method\":\"tools/call\",\"params\":{\"name\":"
                + io.vertx.core.json.Json.encode(tool) + ",\"arguments\":" + arguments + "}}";
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.base() + "/containers/" + id + "/mcp"))
                .header("Content-Type", "application/json").header("MCP-Protocol-Version", "2025-11-25")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(request::header);
        return request;
    }

    private static JsonObject tools(JsonObject serverJson) {
        return serverJson.getJsonObject("usage").getJsonObject("tools");
    }

    private static JsonObject appIn(JsonArray apps, String id) {
        return apps.stream().map(JsonObject.class::cast).filter(a -> a.getString("id").equals(id)).findFirst().orElseThrow();
    }

    private static String status(String token, String id) {
        return server.server(token, id).getString("status");
    }
}
