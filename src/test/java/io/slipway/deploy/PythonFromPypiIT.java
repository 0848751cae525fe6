package io.slipway.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.slipway.testing.SlipwayServerExtension;
import io.slipway.testing.SlipwayServerExtension.Token;
import io.slipway.testing.TestApps;
import io.slipway.testing.TestServer;
import io.slipway.testing.TypeScriptMcpClient;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Python apps with real requirements, installed from PyPI by the default configuration (pypi.org and
 * files.pythonhosted.org, through the builds' registry proxy): FastAPI on uvicorn, Flask, and MCP servers on the
 * official Python SDK, answered through {@code /containers/{id}/} and, for MCP, by the TypeScript SDK's client.
 */
class PythonFromPypiIT {
    @RegisterExtension
    static final SlipwayServerExtension slipway = SlipwayServerExtension.withDefaults();
    static TestServer server;
    @Token("pypi")
    static String token;

    @Test
    void fastapiAppWithUvicornFromPypiAnswersJsonThroughTheProxy() throws IOException {
        String id = server.deploy(token, "app.py", TestApps.source("fastapi.py"), Map.of("requirements", "fastapi uvicorn")).getString("id");

        HttpResponse<String> root = server.call(id, "/");
        assertThat(root.statusCode()).isEqualTo(200);
        assertThat(root.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(new JsonObject(root.body()).getString("framework")).isEqualTo("fastapi");
        JsonObject item = new JsonObject(server.call(id, "/items/42?q=slipway").body());
        assertThat(item.getInteger("item_id")).isEqualTo(42);
        assertThat(item.getString("q")).isEqualTo("slipway");
        assertThat(server.call(id, "/items/not-a-number").statusCode()).as("FastAPI's own validation").isEqualTo(422);
        assertThat(log(id)).contains("pip install fastapi uvicorn").contains("Downloading fastapi-").contains("Downloading uvicorn-");

        String again = server.deploy(token, "app.py", TestApps.source("fastapi.py"), Map.of("requirements", "Uvicorn, FastAPI")).getString("id");

        assertThat(log(again)).as("the same requirements, however spelled, share one dependency set").contains("is cached")
                .doesNotContain("pip install");
        assertThat(new JsonObject(server.call(again, "/").body()).getString("framework")).isEqualTo("fastapi");
    }

    @Test
    void flaskAppFromPypiAnswers() {
        String id = server.deploy(token, "app.py", TestApps.source("flask.py"), Map.of("requirements", "flask")).getString("id");

        assertThat(new JsonObject(server.call(id, "/").body()).getString("framework")).isEqualTo("flask");
        HttpResponse<String> echoed = server.send(HttpRequest.newBuilder(server.base().resolve("/containers/" + id + "/echo"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"n\":7}")));
        assertThat(echoed.statusCode()).isEqualTo(200);
        assertThat(new JsonObject(echoed.body()).getJsonObject("received").getInteger("n")).isEqualTo(7);
    }

    @Test
    void fastMcpServerOnThePythonSdkAnswersTheTypeScriptSdksClient() {
        assertAnswersTheTypeScriptClient(server.deploy(token, "app.py", TestApps.source("mcp-fastmcp.py"), Map.of("requirements", "mcp<2")));
    }

    @Test
    void mcpServerOnTheCurrentPythonSdkAnswersTheTypeScriptSdksClient() {
        assertAnswersTheTypeScriptClient(server.deploy(token, "app.py", TestApps.source("mcp-server.py"), Map.of("requirements", "mcp>=2,<3")));
    }

    private static void assertAnswersTheTypeScriptClient(JsonObject app) {
        String url = "http://127.0.0.1:" + server.base().getPort() + "/containers/" + app.getString("id") + "/mcp";

        JsonObject answer = TypeScriptMcpClient.install().listToolsAndAdd(url);

        assertThat(answer.getJsonArray("tools").getList()).containsExactly("add");
        assertThat(answer.getString("result")).isEqualTo("5");
    }

    private static String log(String id) throws IOException {
        return Files.readString(server.dataDir().resolve("logs/" + id + ".log"));
    }
}
