package io.slipway.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The MCP clients users run from a shell or a desktop app, from npm, in {@code target/mcp-tools}: MCP Inspector's CLI
 * ({@code mcp-inspector --cli}), and mcp-remote, the stdio-to-HTTP proxy desktop clients launch for a remote server,
 * driven here as they drive it: the TypeScript SDK's client spawns it and speaks stdio to it. Each run gets the home
 * directory a test gives it, where these tools keep their state (mcp-remote its OAuth tokens and client registrations,
 * the Inspector its catalog), so that nothing is written to the machine's and no run sees another's tokens.
 */
public final class McpCommandLineClients {
    public static final String INSPECTOR = "@modelcontextprotocol/inspector@2.12.0";
    public static final String MCP_REMOTE = "mcp-remote@0.15.1";
    private static final String INSPECTOR_CLI = "node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js";
    private static final String THROUGH_MCP_REMOTE = """
            // A desktop MCP client's set-up: it spawns mcp-remote (argv[2…]: the server's URL and mcp-remote's flags) and
            // speaks stdio to it. Lists the tools, calls add(2, 3), prints one JSON line; mcp-remote's stderr is ours.
            import { Client } from "@modelcontextprotocol/sdk/client/index.js";
            import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

            const transport = new StdioClientTransport({ command: process.execPath,
              args: ["node_modules/mcp-remote/dist/proxy.js", ...process.argv.slice(2)], env: { ...process.env }, stderr: "inherit" });
            const client = new Client({ name: "slipway-through-mcp-remote", version: "1.0.0" });
            await client.connect(transport);
            const tools = (await client.listTools()).tools.map((tool) => tool.name);
            const called = await client.callTool({ name: "add", arguments: { a: 2, b: 3 } });
            const result = called.content.filter((part) => part.type === "text").map((part) => part.text).join("");
            console.log(JSON.stringify({ tools, result }));
            await client.close();
            """;

    private final NodeClient node;

    private McpCommandLineClients(NodeClient node) {
        this.node = node;
    }

    /** Both tools and the SDK that drives mcp-remote, installed once per build directory (later runs reuse them). */
    public static McpCommandLineClients install() {
        NodeClient node = NodeClient.install("mcp-tools", INSPECTOR, MCP_REMOTE, TypeScriptMcpClient.SDK);
        node.write("through-mcp-remote.mjs", THROUGH_MCP_REMOTE);
        node.write("localhost-subdomains.cjs", LocalhostSubdomains.NODE_PRELOAD);
        return new McpCommandLineClients(node);
    }

    /**
     * {@code mcp-inspector --cli <url> --method <method> <more…>} (e.g. {@code --tool-name add --tool-arg a=2}), with
     * {@code home} as its home: what it printed, the method's result as JSON; fails the test when the Inspector fails.
     */
    public JsonObject inspect(Path home, String url, String method, String... more) {
        List<String> args = new ArrayList<>(List.of("--cli", url, "--method", method));
        args.addAll(List.of(more));
        NodeClient.Run run = node.run(Duration.ofSeconds(60), env(home), INSPECTOR_CLI, args.toArray(String[]::new));
        assertThat(run.exitCode()).as("mcp-inspector exit code; stdout: %s; stderr: %s", run.stdout(), run.stderr()).isZero();
        assertThat(run.stdout()).as("a JSON document").contains("{");
        return new JsonObject(run.stdout().substring(run.stdout().indexOf('{')));
    }

    /**
     * An SDK client through mcp-remote for the server at {@code url} ({@code --allow-http}, as the test's Slipway speaks
     * HTTP, and {@code flags}), with {@code home} as its home, however it ends; its stdout is {@code {"tools":[…],
     * "result":"5"}} when it worked, and its stderr mcp-remote's account of what it did.
     */
    public NodeClient.Run throughMcpRemote(Path home, String url, String... flags) {
        List<String> args = new ArrayList<>(List.of(url, "--allow-http"));
        args.addAll(List.of(flags));
        return node.run(Duration.ofSeconds(90), env(home), "through-mcp-remote.mjs", args.toArray(String[]::new));
    }

    /** The environment of each run: its own home, and node resolving {@code *.localhost} as browsers do. */
    private Map<String, String> env(Path home) {
        return Map.of("HOME", home.toString(), "MCP_REMOTE_CONFIG_DIR", home.resolve(".mcp-auth").toString(),
                "MCP_CATALOG_PATH", home.resolve("mcp-catalog.json").toString(),
                "NODE_OPTIONS", "--require " + node.dir().resolve("localhost-subdomains.cjs"));
    }
}
