package io.slipway.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.slipway.testing.Multipart;
import io.slipway.testing.SlipwayServerExtension;
import io.slipway.testing.SlipwayServerExtension.Token;
import io.slipway.testing.TestApps;
import io.slipway.testing.TestServer;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * MCP recognition at deploy (DESIGN §2): Slipway asks a new version what an MCP client would, records the answers, and
 * shows them in the server JSON; an app that answers MCP badly is refused at its deploy, not at a user's first call.
 */
class McpRecognitionIT {
    @RegisterExtension
    static final SlipwayServerExtension slipway = SlipwayServerExtension.withDefaults();
    static TestServer server;
    @Token("mona")
    static String mona;

    @Test
    void anSdkServersToolsAreInItsServerJsonFromItsDeploy() {
        Instant before = Instant.now();
        JsonObject app = server.deploy(mona, "index.ts", TestApps.source("mcp.ts"), Map.of("requirements", "@modelcontextprotocol/sdk zod express"));

        JsonObject mcp = app.getJsonObject("mcp");
        assertThat(mcp).as("the upload's answer: %s", app).isNotNull();
        assertThat(mcp.getString("path")).isEqualTo("/mcp");
        assertThat(mcp.getString("protocolVersion")).isEqualTo("2025-11-25");
        assertThat(mcp.getJsonObject("serverInfo").getString("name")).isEqualTo("slipway-test");
        assertThat(mcp.getJsonObject("serverInfo").getString("version")).isEqualTo("1.0.0");
        assertThat(mcp.getJsonArray("tools").stream().map(t -> ((JsonObject) t).getString("name"))).containsExactly("add");
        assertThat(Instant.parse(mcp.getString("checkedAt"))).isAfterOrEqualTo(before.minusSeconds(1));
        assertThat(server.server(mona, app.getString("id")).getJsonObject("mcp")).as("GET of the server").isEqualTo(mcp);
        assertThat(server.appLog(app.getString("id"))).contains("MCP server recognised at /mcp", "slipway-test, protocol 2025-11-25, 1 tools");
    }

    @Test
    void aPlainHttpAppIsNoMcpServerAndSaysSoInItsLog() {
        JsonObject app = server.deploy(mona, "index.js", TestApps.source("hello.js"), Map.of());

        assertThat(app.containsKey("mcp")).as("%s", app).isFalse();
        assertThat(server.appLog(app.getString("id"))).contains("no MCP server at /mcp");
    }

    @Test
    void anAppWhoseToolHasNoInputSchemaIsRefusedAtItsDeployWithWhatWasWrong() {
        HttpResponse<String> refused = server.upload(mona, new Multipart().file("index.js", TestApps.source("mcp-bad-tool.js")));

        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(422);
        JsonObject problem = new JsonObject(refused.body());
        assertThat(problem.getString("type")).endsWith("/start-failed");
        assertThat(problem.getString("detail")).contains("answers MCP at /mcp", "tool 'lookup' has no inputSchema of type object", "mcp=off");
        assertThat(server.get("/api/mcp-projects", mona).body()).doesNotContain("careless");
    }

    @Test
    void listsPastWhatSlipwayKeepsAreRefusedNotHeld() {
        HttpResponse<String> refused = server.upload(mona, new Multipart().file("index.js", TestApps.source("mcp-huge-lists.js")));

        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(422);
        assertThat(new JsonObject(refused.body()).getString("detail")).contains("its lists take more than 1024 KiB");
    }

    @Test
    void anSseFloodAtDiscoveryNeitherHoldsTheDeployNorTheProxy() throws Exception {
        String other = server.deploy(mona, "index.js", TestApps.source("hello.js"), Map.of()).getString("id");
        var deploy = java.util.concurrent.CompletableFuture.supplyAsync(() -> server.deploy(mona, "index.js", TestApps.source("mcp-hostile.js"),
                Map.of("env", "{\"MODE\":\"flood\"}")));

        // While its discovery reads the flood, the proxy's event loops go on serving everyone else.
        while (!deploy.isDone()) {
            HttpResponse<String> answer = server.send(java.net.http.HttpRequest.newBuilder(server.base().resolve("/containers/" + other + "/"))
                    .timeout(java.time.Duration.ofSeconds(2)));
            assertThat(answer.statusCode()).isEqualTo(200);
        }
        JsonObject app = deploy.get(60, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(app.containsKey("mcp")).as("no response to initialize in the flood: not an MCP server").isFalse();
        assertThat(server.appLog(app.getString("id"))).contains("no MCP server at /mcp");
    }

    @Test
    void aServerWhoseDeleteNeverEndsIsRecognisedWithoutSlipwayReadingIt() {
        JsonObject app = server.deploy(mona, "index.js", TestApps.source("mcp-hostile.js"), Map.of("env", "{\"MODE\":\"endless\"}"));

        assertThat(app.getJsonObject("mcp").getJsonObject("serverInfo").getString("name")).isEqualTo("hostile");
    }

    @Test
    void theSameAppWithMcpOffIsServedWithoutDiscovery() {
        JsonObject app = server.deploy(mona, "index.js", TestApps.source("mcp-bad-tool.js"), Map.of("mcp", "off"));

        assertThat(app.getString("status")).isEqualTo("running");
        assertThat(app.containsKey("mcp")).isFalse();
    }

    @Test
    void anMcpPathThatAnswersNoMcpIsRefused() {
        HttpResponse<String> refused = server.upload(mona, new Multipart().file("index.js", TestApps.source("hello.js")).field("mcp", "/api/mcp"));

        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(422);
        assertThat(new JsonObject(refused.body()).getString("detail")).contains("mcp is /api/mcp, but the app answers no MCP there");
    }

}
