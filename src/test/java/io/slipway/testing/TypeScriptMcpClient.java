package io.slipway.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;

/**
 * The official TypeScript MCP SDK's client over Streamable HTTP, run by node from {@code target/mcp-client}: it
 * connects to a server, lists its tools and calls {@code add(2, 3)}, as a user's MCP client would.
 */
public final class TypeScriptMcpClient {
    public static final String SDK = "@modelcontextprotocol/sdk@1.32.2";
    private static final String SCRIPT = """
            // Connects to the MCP server at argv[2], lists its tools, calls add(2, 3), prints one JSON line.
            import { Client } from "@modelcontextprotocol/sdk/client/index.js";
            import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

            const client = new Client({ name: "slipway-mcp-it", version: "1.0.0" });
            await client.connect(new StreamableHTTPClientTransport(new URL(process.argv[2])));
            const tools = (await client.listTools()).tools.map((tool) => tool.name);
            const called = await client.callTool({ name: "add", arguments: { a: 2, b: 3 } });
            const result = called.content.filter((part) => part.type === "text").map((part) => part.text).join("");
            console.log(JSON.stringify({ tools, result }));
            await client.close();
            """;

    private final NodeClient node;

    private TypeScriptMcpClient(NodeClient node) {
        this.node = node;
    }

    /** The SDK, installed once per build directory (later runs reuse it), next to the script that drives it. */
    public static TypeScriptMcpClient install() {
        NodeClient node = NodeClient.install("mcp-client", SDK);
        node.write("client.mjs", SCRIPT);
        return new TypeScriptMcpClient(node);
    }

    /** One run of the client against the MCP endpoint {@code url}, however it ends. */
    public NodeClient.Run run(String url) {
        return node.run(Duration.ofSeconds(60), "client.mjs", url);
    }

    /**
     * Runs the client against {@code url} and returns what it printed, {@code {"tools":[…],"result":"5"}}; fails the test
     * when the client fails.
     */
    public JsonObject listToolsAndAdd(String url) {
        NodeClient.Run run = run(url);
        assertThat(run.exitCode()).as("client exit code; stderr: %s", run.stderr()).isZero();
        List<String> lines = run.stdout().lines().filter(line -> line.startsWith("{")).toList();
        assertThat(lines).as("stdout: %s", run.stdout()).hasSize(1);
        return new JsonObject(lines.getFirst());
    }
}
