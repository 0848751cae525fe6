package io.slipway.testing;

import io.vertx.core.json.JsonObject;
import java.time.Duration;

/**
 * The official TypeScript MCP SDK's client over Streamable HTTP, run by node from {@code target/mcp-client}: it
 * connects to a server, lists its tools and calls {@code add(2, 3)}, as a user's MCP client would; unauthorised, or
 * with OAuth's client_credentials grant, discovering the authorization server as the SDK does.
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

    /**
     * The same client with the SDK's {@code ClientCredentialsProvider} (client id argv[3], secret argv[4]) as its auth
     * provider, and a fetch that notes every request the SDK makes, so a test sees the discovery it went through. On
     * the first 401 the SDK reads {@code resource_metadata}, fetches that document, the first authorization server's
     * metadata, and a token for the document's {@code resource}, then sends again.
     */
    private static final String OAUTH_SCRIPT = """
            // As client.mjs, authorised by client_credentials (argv[3], argv[4]); prints the requests made, too.
            import "./localhost-subdomains.cjs";
            import { Client } from "@modelcontextprotocol/sdk/client/index.js";
            import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
            import { ClientCredentialsProvider } from "@modelcontextprotocol/sdk/client/auth-extensions.js";

            const requests = [];
            const noted = async (url, init) => {
              const response = await fetch(url, init);
              requests.push({ method: init?.method ?? "GET", url: String(url), status: response.status });
              return response;
            };
            const authProvider = new ClientCredentialsProvider({ clientId: process.argv[3], clientSecret: process.argv[4] });
            const client = new Client({ name: "slipway-mcp-oauth-it", version: "1.0.0" });
            await client.connect(new StreamableHTTPClientTransport(new URL(process.argv[2]), { authProvider, fetch: noted }));
            const tools = (await client.listTools()).tools.map((tool) => tool.name);
            const called = await client.callTool({ name: "add", arguments: { a: 2, b: 3 } });
            const result = called.content.filter((part) => part.type === "text").map((part) => part.text).join("");
            console.log(JSON.stringify({ tools, result, requests }));
            await client.close();
            """;

    private static final String ACROSS_SLEEP_SCRIPT = """
            // One session across the server's sleep: connects to argv[2], calls add(2, 3), then polls the server JSON at
            // argv[3] (with the token argv[4]) until the app sleeps, 60 s at most, and calls add(4, 5) in the same session.
            import { Client } from "@modelcontextprotocol/sdk/client/index.js";
            import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

            const text = (called) => called.content.filter((part) => part.type === "text").map((part) => part.text).join("");
            const transport = new StreamableHTTPClientTransport(new URL(process.argv[2]));
            const client = new Client({ name: "slipway-across-sleep", version: "1.0.0" });
            await client.connect(transport);
            const session = transport.sessionId;
            const first = text(await client.callTool({ name: "add", arguments: { a: 2, b: 3 } }));
            const deadline = Date.now() + 60000;
            let status = "";
            while (Date.now() < deadline) {
              const server = await fetch(process.argv[3], { headers: { authorization: "Bearer " + process.argv[4] } });
              status = (await server.json()).status;
              if (status === "sleeping") break;
              await new Promise((resolve) => setTimeout(resolve, 100));
            }
            const second = text(await client.callTool({ name: "add", arguments: { a: 4, b: 5 } }));
            console.log(JSON.stringify({ first, second, slept: status === "sleeping", sameSession: transport.sessionId === session, session }));
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
        node.write("oauth-client.mjs", OAUTH_SCRIPT);
        node.write("across-sleep.mjs", ACROSS_SLEEP_SCRIPT);
        node.write("localhost-subdomains.cjs", LocalhostSubdomains.NODE_PRELOAD);
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
        return printed(run(url));
    }

    /** One run of the client authorised by OAuth's client_credentials grant, however it ends. */
    public NodeClient.Run runWithClientCredentials(String url, String clientId, String secret) {
        return node.run(Duration.ofSeconds(60), "oauth-client.mjs", url, clientId, secret);
    }

    /**
     * {@link #listToolsAndAdd} by a client that gets its token from the server's authorization server itself, with the
     * client_credentials grant; what it printed has {@code requests} too: {@code [{"method","url","status"},…]}.
     */
    public JsonObject listToolsAndAddWithClientCredentials(String url, String clientId, String secret) {
        return printed(runWithClientCredentials(url, clientId, secret));
    }

    /**
     * One client session that calls {@code add} before and after the app at {@code url} sleeps (it watches the server
     * JSON at {@code serverUrl} for that): {@code {"first":"5","second":"9","slept":true,"sameSession":true,"session":…}}.
     */
    public JsonObject callAcrossSleep(String url, String serverUrl, String token) {
        return printed(node.run(Duration.ofSeconds(120), "across-sleep.mjs", url, serverUrl, token));
    }

    private static JsonObject printed(NodeClient.Run run) {
        return Commands.printedJson(run.exitCode(), run.stdout(), run.stderr());
    }
}
