package io.slipway.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.slipway.testing.NodeClient;
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
 * An MCP server written on the official TypeScript SDK, deployed to Slipway and driven through the proxy by the SDK's
 * own client: the proof that a real MCP client can use what users deploy.
 */
class McpSdkIT {
    @RegisterExtension
    static final SlipwayServerExtension slipway = SlipwayServerExtension.withDefaults();

    private static TestServer server;
    private static String appId;
    @Token("mcp-it")
    private static String token;
    private static TypeScriptMcpClient client;

    @BeforeAll
    static void installClientAndDeployApp() throws Exception {
        client = TypeScriptMcpClient.install();
        appId = server.deploy(token, "index.ts", TestApps.source("mcp.ts"),
                Map.of("requirements", "@modelcontextprotocol/sdk zod express")).getString("id");
        // Wake the app: the GET answers 405 from the app once it listens.
        await().atMost(Duration.ofSeconds(60)).until(() -> server.call(appId, "/mcp").statusCode(), status -> status == 405);
    }

    private static NodeClient.Run runClient(String url) {
        return client.run(url);
    }

    @Test
    void theSdkClientListsAndCallsToolsThroughTheProxy() throws Exception {
        String url = "http://127.0.0.1:" + server.base().getPort() + "/containers/" + appId + "/mcp";

        JsonObject answer = client.listToolsAndAdd(url);

        assertThat(answer.getJsonArray("tools").getList()).contains("add");
        assertThat(answer.getString("result")).isEqualTo("5");
    }

    @Test
    void statefulServerKeepsItsSessionsStreamsAndASessionOutlivesTheAppsSleep() throws Exception {
        String stateful = server.deploy(token, "index.ts", TestApps.source("mcp-stateful.ts"),
                Map.of("requirements", "@modelcontextprotocol/sdk zod express", "sleepAfter", "2s")).getString("id");
        String url = "http://127.0.0.1:" + server.base().getPort() + "/containers/" + stateful + "/mcp";
        await().atMost(Duration.ofSeconds(60)).until(() -> server.call(stateful, "/mcp").statusCode() == 400);

        String session = initialize(url);
        HttpResponse<java.io.InputStream> stream = server.http().send(HttpRequest.newBuilder(URI.create(url))
                .header("Mcp-Session-Id", session).header("Accept", "text/event-stream").GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(stream.statusCode()).as("the session's GET stream").isEqualTo(200);
        assertThat(stream.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
        stream.body().close();
        String ended = initialize(url);
        HttpResponse<String> deleted = server.send(HttpRequest.newBuilder(URI.create(url)).header("Mcp-Session-Id", ended).DELETE());
        assertThat(deleted.statusCode()).as("DELETE ends the session").isEqualTo(200);
        assertThat(server.send(HttpRequest.newBuilder(URI.create(url)).header("Mcp-Session-Id", ended)
                .header("Accept", "text/event-stream").GET()).statusCode()).as("an ended session is the app's 404").isEqualTo(404);
        NodeClient.Run first = runClient(url);
        assertThat(first.exitCode()).as("stderr: %s", first.stderr()).isZero();
        assertThat(first.stdout()).contains("\"result\":\"5\"");

        String stale = initialize(url);
        await().atMost(Duration.ofSeconds(20)).until(() -> "sleeping".equals(server.server(token, stateful).getString("status")));
        HttpResponse<String> afterSleep = server.send(HttpRequest.newBuilder(URI.create(url)).header("Mcp-Session-Id", stale)
                .header("Content-Type", "application/json").header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}")));

        assertThat(afterSleep.statusCode()).as("the session outlives the sleep: %s", afterSleep.body()).isEqualTo(200);
        assertThat(afterSleep.body()).contains("\"add\"");
        assertThat(afterSleep.headers().firstValue("X-Slipway-Error")).isEmpty();
        NodeClient.Run again = runClient(url);
        assertThat(again.exitCode()).as("a new client re-initializes; stderr: %s", again.stderr()).isZero();
        assertThat(again.stdout()).contains("\"result\":\"5\"");
    }

    /** An initialize request by hand; returns the session id the server gave. */
    private static String initialize(String url) {
        HttpResponse<String> response = server.send(HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/json").header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":"
                        + "{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"it\",\"version\":\"1\"}}}")));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return response.headers().firstValue("Mcp-Session-Id").orElseThrow();
    }

    @Test
    void aGetOnTheMcpEndpointIsTheAppsOwnMethodNotAllowed() {
        HttpResponse<String> response = server.call(appId, "/mcp");

        assertThat(response.statusCode()).isEqualTo(405);
        assertThat(response.headers().firstValue("Allow")).hasValue("POST");
        assertThat(response.body()).isEqualTo("Method Not Allowed");
        // Slipway marks only its own errors; this one is the app's.
        assertThat(response.headers().firstValue("X-Slipway-Error")).isEmpty();
    }
}
