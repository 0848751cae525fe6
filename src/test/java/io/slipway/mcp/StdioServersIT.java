package io.slipway.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.slipway.testing.Multipart;
import io.slipway.testing.SlipwayServerExtension;
import io.slipway.testing.SlipwayServerExtension.Token;
import io.slipway.testing.TestApps;
import io.slipway.testing.TestServer;
import io.slipway.testing.TypeScriptMcpClient;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import java.util.List;
import java.util.regex.MatchResult;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * stdio MCP servers ({@code transport=stdio}) on the official SDKs, deployed through the real server into real sandboxes
 * and answered at {@code /containers/{id}/mcp} by the TypeScript SDK's Streamable HTTP client, through Slipway's bridge.
 */
class StdioServersIT {
    private static final Pattern READY = Pattern.compile("\\[app] stdio server (\\d+) ready, PORT=(\\S+)");

    @RegisterExtension
    static final SlipwayServerExtension slipway = SlipwayServerExtension.withDefaults();
    static TestServer server;
    @Token("stdio")
    static String token;
    private static TypeScriptMcpClient client;

    @BeforeAll
    static void installClient() {
        client = TypeScriptMcpClient.install();
    }

    @Test
    void typeScriptStdioServerAnswersTheSdksHttpClientWithAProcessPerSessionAndItsStderrInTheLog() throws IOException {
        JsonObject app = server.deploy(token, "index.ts", TestApps.source("mcp-stdio.ts"),
                Map.of("requirements", "@modelcontextprotocol/sdk zod", "transport", "stdio"));

        assertThat(app.getString("transport")).isEqualTo("stdio");
        assertThat(app.getString("entry")).isEqualTo("slipway-stdio-bridge.mjs");
        assertThat(app.getJsonObject("mcp").getJsonArray("tools").getJsonObject(0).getString("name")).as("recognised at its start")
                .isEqualTo("add");
        assertAnswersTheClient(app.getString("id"));
        assertAnswersTheClient(app.getString("id"));
        String log = log(app.getString("id"));
        List<MatchResult> ready = readyServers(log);
        assertThat(ready.stream().map(m -> m.group(1)).distinct()).as("one process of the server per session; log: %s", log).hasSizeGreaterThanOrEqualTo(2);
        assertThat(ready.stream().map(m -> m.group(2))).as("$PORT is the bridge's").containsOnly("unset");
        assertThat(log).contains("[app] slipway: serving the stdio MCP server index.mjs as Streamable HTTP at /mcp on 0.0.0.0:8000");
        HttpResponse<String> root = server.call(app.getString("id"), "/");
        assertThat(root.statusCode()).as("what the readiness probe sees").isEqualTo(200);
        assertThat(root.body()).contains("a stdio MCP server, served by Slipway at /mcp");
    }

    @Test
    void pythonFastMcpStdioServerAnswersTheSdksHttpClient() throws IOException {
        JsonObject app = server.deploy(token, "app.py", TestApps.source("mcp-stdio.py"), Map.of("requirements", "mcp<2", "transport", "stdio"));

        assertThat(app.getString("entry")).isEqualTo("slipway-stdio-bridge.py");
        assertAnswersTheClient(app.getString("id"));
        assertThat(readyServers(log(app.getString("id")))).as("its stderr, in the app's log").isNotEmpty();
    }

    @Test
    void pythonStdioServerOnTheCurrentSdkAnswersTheSdksHttpClient() throws IOException {
        JsonObject app = server.deploy(token, "app.py", TestApps.source("mcp-stdio.py"),
                Map.of("requirements", "mcp>=2,<3", "transport", "stdio"));

        assertAnswersTheClient(app.getString("id"));
        assertThat(readyServers(log(app.getString("id")))).as("its stderr, in the app's log").isNotEmpty();
    }

    /** Sleep stops the bridge and the server's processes with it; the next request starts both afresh. */
    @Test
    void aStdioServerSleepsAndWakesForItsNextClient() throws IOException {
        String id = server.deploy(token, "index.ts", TestApps.source("mcp-stdio.ts"),
                Map.of("requirements", "@modelcontextprotocol/sdk zod", "transport", "stdio", "sleepAfter", "1s")).getString("id");
        assertAnswersTheClient(id);

        await().atMost(Duration.ofSeconds(30)).until(() -> "sleeping".equals(server.server(token, id).getString("status")));
        assertAnswersTheClient(id);

        String log = log(id);
        assertThat(log).as("the bridge ends its server's processes at SIGTERM, then itself").contains("[slipway] asleep (exited with code 0)")
                .doesNotContain("slipway: session").doesNotContain("failed:");
        assertThat(readyServers(log)).as("a process of the server at each start; log: %s", log).hasSizeGreaterThanOrEqualTo(2);
    }

    @Test
    void aStdioServerThatExitsAtStartIsRefusedWithItsExitCodeAndStderr() {
        HttpResponse<String> response = server.upload(token, new Multipart().file("index.js", TestApps.source("mcp-stdio-exits.js"))
                .field("requirements", "@modelcontextprotocol/sdk").field("transport", "stdio"));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(422);
        JsonObject problem = new JsonObject(response.body());
        assertThat(problem.getString("type")).endsWith("/start-failed");
        assertThat(problem.getString("detail")).contains("exited with code 3");
        assertThat(problem.getString("logTail")).contains("stdio server cannot start: MCP_API_KEY is not set")
                .contains("slipway: the stdio server index.cjs exited with code 3 before it answered a ping");
    }

    @Test
    void aStdioUploadWithoutTheSdkInItsRequirementsIsRefusedSayingWhatToAdd() {
        HttpResponse<String> node = server.upload(token, new Multipart().file("index.ts", TestApps.source("mcp-stdio.ts"))
                .field("requirements", "zod").field("transport", "stdio"));
        HttpResponse<String> python = server.upload(token, new Multipart().file("app.py", TestApps.source("mcp-stdio.py"))
                .field("transport", "stdio"));

        assertThat(node.statusCode()).as(node.body()).isEqualTo(400);
        assertThat(new JsonObject(node.body()).getString("type")).endsWith("/missing-mcp-sdk");
        assertThat(new JsonObject(node.body()).getString("detail")).contains("add @modelcontextprotocol/sdk to requirements");
        assertThat(python.statusCode()).as(python.body()).isEqualTo(400);
        assertThat(new JsonObject(python.body()).getString("detail")).contains("add mcp to requirements");
    }

    @Test
    void anUploadNamedAsTheBridgeIsRefused() {
        HttpResponse<String> response = server.upload(token, new Multipart().file("slipway-stdio-bridge.ts", TestApps.source("mcp-stdio.ts")));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(new JsonObject(response.body()).getString("detail")).contains("is Slipway's own (its server for stdio MCP servers)");
    }

    private static void assertAnswersTheClient(String id) {
        JsonObject answer = client.listToolsAndAdd("http://127.0.0.1:" + server.base().getPort() + "/containers/" + id + "/mcp");

        assertThat(answer.getJsonArray("tools").getList()).containsExactly("add");
        assertThat(answer.getString("result")).isEqualTo("5");
    }

    /** The line each process of the server wrote to stderr at start: its pid (1) and the $PORT it saw (2). */
    private static List<MatchResult> readyServers(String log) {
        return READY.matcher(log).results().toList();
    }

    private static String log(String id) throws IOException {
        return Files.readString(server.dataDir().resolve("logs/" + id + ".log"));
    }
}
