package io.slipway.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.slipway.testing.LocalhostSubdomains;
import io.slipway.testing.NodeClient;
import io.slipway.testing.SlipwayServerExtension;
import io.slipway.testing.SlipwayServerExtension.Token;
import io.slipway.testing.TestServer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The 2024 HTTP+SSE MCP transport, whose server names an absolute path ({@code /message}) for the client's POSTs in the
 * stream's first event: the reference server (server-everything in its SSE mode) deployed as it is, driven by the SDK's
 * {@code SSEClientTransport} at the app's own host ({@code routing.appDomain=apps.localhost}).
 */
class McpSseOnOwnHostIT {
    private static final String EVERYTHING = "@modelcontextprotocol/server-everything@2026.8.31";
    private static final String APP = """
            // server-everything's HTTP+SSE transport: GET /sse opens the stream, POST /message?sessionId=… carries requests.
            import "@modelcontextprotocol/server-everything/dist/transports/sse.js";
            """;
    private static final String CLIENT_SCRIPT = """
            // Connects over HTTP+SSE to the MCP server at argv[2], lists its tools, calls echo, prints one JSON line.
            import "./localhost-subdomains.cjs";
            import { Client } from "@modelcontextprotocol/sdk/client/index.js";
            import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";

            const client = new Client({ name: "slipway-sse-it", version: "1.0.0" });
            await client.connect(new SSEClientTransport(new URL(process.argv[2])));
            const tools = (await client.listTools()).tools.map((tool) => tool.name);
            const called = await client.callTool({ name: "echo", arguments: { message: "from its own host" } });
            const result = called.content.filter((part) => part.type === "text").map((part) => part.text).join("");
            console.log(JSON.stringify({ tools, result, server: client.getServerVersion().name }));
            await client.close();
            """;

    @RegisterExtension
    static final SlipwayServerExtension slipway = SlipwayServerExtension.withKeys(Map.of("routing.appDomain", "apps.localhost"));
    static TestServer server;
    @Token("sse-it")
    static String token;
    static JsonObject everything;
    static NodeClient client;

    @BeforeAll
    static void installClientAndDeployServerEverything() {
        client = NodeClient.install("mcp-client", io.slipway.testing.TypeScriptMcpClient.SDK);
        client.write("localhost-subdomains.cjs", LocalhostSubdomains.NODE_PRELOAD);
        client.write("sse-client.mjs", CLIENT_SCRIPT);
        everything = server.deploy(token, "index.mjs", APP, Map.of("requirements", EVERYTHING));
    }

    @Test
    void theSdksSseClientListsToolsAndCallsEchoAtTheAppsOwnHost() {
        String endpoint = everything.getString("endpoint");
        assertThat(endpoint).isEqualTo("http://" + everything.getString("id") + ".apps.localhost:" + server.base().getPort());

        NodeClient.Run run = client.run(Duration.ofSeconds(60), "sse-client.mjs", endpoint + "/sse");

        assertThat(run.exitCode()).as("client exit code; stderr: %s", run.stderr()).isZero();
        List<String> lines = run.stdout().lines().filter(line -> line.startsWith("{")).toList();
        assertThat(lines).as("stdout: %s", run.stdout()).hasSize(1);
        JsonObject answer = new JsonObject(lines.getFirst());
        assertThat(answer.getString("server")).isEqualTo("mcp-servers/everything");
        assertThat(answer.getJsonArray("tools").getList()).contains("echo");
        assertThat(answer.getString("result")).isEqualTo("Echo: from its own host");
    }

    @Test
    void underContainersTheStreamsMessagePathIsSlipwaysNotTheApps() {
        // Why the transport needs a host of its own: resolved against /containers/{id}/sse, "/message" leaves the app.
        String url = server.base() + "/containers/" + everything.getString("id") + "/sse";

        NodeClient.Run run = client.run(Duration.ofSeconds(60), "sse-client.mjs", url);

        assertThat(run.exitCode()).isNotZero();
        assertThat(run.stderr()).contains("Error POSTing to endpoint (HTTP 404)").contains("POST /message is not part of the API");
    }
}
