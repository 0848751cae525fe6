package io.slipway.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.slipway.testing.Commands;
import io.slipway.testing.McpCommandLineClients;
import io.slipway.testing.NodeClient;
import io.slipway.testing.PythonMcpClient;
import io.slipway.testing.SlipwayServerExtension;
import io.slipway.testing.SlipwayServerExtension.Token;
import io.slipway.testing.TestApps;
import io.slipway.testing.TestServer;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * MCP servers on Slipway driven by the clients their users run, beyond the TypeScript SDK's (which the other MCP suites
 * use): the Python SDK's client of each major, MCP Inspector's CLI, and mcp-remote under a desktop client. The servers
 * are the SDK's documented stateful pattern (TypeScript) and FastMCP (Python), put to sleep after 3 s, so that each
 * client also meets a sleeping server: answered from its record while asleep, woken by a call, a session kept across.
 */
class McpClientsIT {
    @RegisterExtension
    static final SlipwayServerExtension slipway = SlipwayServerExtension.withDefaults();
    private static final Duration SLEEP_AFTER = Duration.ofSeconds(3);

    static TestServer server;
    @Token("clients-it")
    static String token;
    /** The TypeScript SDK's stateful server (sessions of its own). */
    static String stateful;
    /** FastMCP, on the Python SDK 1.x. */
    static String fastMcp;
    static McpCommandLineClients commandLine;

    @TempDir
    Path home;

    @BeforeAll
    static void deployServersAndInstallClients() {
        stateful = server.deploy(token, "index.ts", TestApps.source("mcp-stateful.ts"),
                Map.of("requirements", "@modelcontextprotocol/sdk zod express", "sleepAfter", SLEEP_AFTER.toSeconds() + "s")).getString("id");
        fastMcp = server.deploy(token, "app.py", TestApps.source("mcp-fastmcp.py"),
                Map.of("requirements", "mcp<2", "sleepAfter", SLEEP_AFTER.toSeconds() + "s")).getString("id");
        commandLine = McpCommandLineClients.install();
    }

    static String mcpUrl(String id) {
        return "http://127.0.0.1:" + server.base().getPort() + "/containers/" + id + "/mcp";
    }

    static String status(String id) {
        return server.server(token, id).getString("status");
    }

    static void awaitSleeping(String id) {
        await().atMost(SLEEP_AFTER.plus(Duration.ofSeconds(20))).until(() -> "sleeping".equals(status(id)));
    }

    @Test
    void thePythonSdkClientOfEitherMajorListsAndCallsToolsOnTheTypeScriptAndThePythonServer() {
        for (String sdk : List.of(PythonMcpClient.SDK_1, PythonMcpClient.SDK_2)) {
            PythonMcpClient client = PythonMcpClient.install(sdk);
            for (String id : List.of(stateful, fastMcp)) {
                JsonObject answer = client.listToolsAndAdd(mcpUrl(id));

                assertThat(answer.getJsonArray("tools").getList()).as(sdk + " on " + id).containsExactly("add");
                assertThat(answer.getString("result")).as(sdk + " on " + id).isEqualTo("5");
            }
        }
    }

    @Test
    void aPythonSdkSessionCallsToolsBeforeAndAfterTheStatefulServerSlept() {
        String serverUrl = server.base().resolve("/api/containers/servers/" + stateful).toString();
        for (String sdk : List.of(PythonMcpClient.SDK_1, PythonMcpClient.SDK_2)) {
            JsonObject answer = PythonMcpClient.install(sdk).callAcrossSleep(mcpUrl(stateful), serverUrl, token);

            assertThat(answer.getBoolean("slept")).as(sdk + ": the app slept between the calls").isTrue();
            assertThat(answer.getString("first")).isEqualTo("5");
            assertThat(answer.getString("second")).as(sdk + ": the same session, after the sleep").isEqualTo("9");
        }
    }

    @Test
    void theInspectorCliListsASleepingServersToolsWithoutWakingItAndItsToolCallWakesIt() {
        for (String id : List.of(stateful, fastMcp)) {
            awaitSleeping(id);

            JsonObject listed = commandLine.inspect(home, mcpUrl(id), "tools/list");
            assertThat(listed.getJsonArray("tools").stream().map(tool -> ((JsonObject) tool).getString("name")).toList()).containsExactly("add");
            assertThat(status(id)).as("tools/list was answered from the record").isEqualTo("sleeping");

            JsonObject called = commandLine.inspect(home, mcpUrl(id), "tools/call", "--tool-name", "add", "--tool-arg", "a=2", "--tool-arg", "b=3");
            assertThat(called.getJsonArray("content").getJsonObject(0).getString("text")).isEqualTo("5");
            assertThat(status(id)).as("tools/call woke the app").isEqualTo("running");
        }
    }

    @Test
    void mcpRemoteCarriesADesktopClientsStdioToTheServerAsleepOrAwake() {
        for (String id : List.of(stateful, fastMcp)) {
            awaitSleeping(id);

            NodeClient.Run run = commandLine.throughMcpRemote(home, mcpUrl(id));

            JsonObject answer = Commands.printedJson(run.exitCode(), run.stdout(), run.stderr());
            assertThat(answer.getJsonArray("tools").getList()).containsExactly("add");
            assertThat(answer.getString("result")).isEqualTo("5");
            assertThat(run.stderr()).as("mcp-remote's account").contains("Connected to remote server using StreamableHTTPClientTransport");
        }
    }
}
