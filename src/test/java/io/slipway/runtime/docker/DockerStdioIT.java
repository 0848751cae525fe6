package io.slipway.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import io.slipway.config.SlipwayConfig;
import io.slipway.runtime.SandboxSpec;
import io.slipway.testing.PodmanEngine;
import io.slipway.testing.PodmanExtension;
import io.slipway.testing.TestApps;
import io.slipway.testing.TestServer;
import io.slipway.testing.TypeScriptMcpClient;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * stdio MCP servers ({@code transport=stdio}) with {@code runtime: docker} on a real engine (podman's Docker-compatible
 * service, no registry): on the TypeScript SDK and on Python's {@code mcp} 1.x from PyPI, each is recognised at its start and
 * answers the TypeScript SDK's Streamable HTTP client at {@code /containers/{id}/mcp} through Slipway's bridge, which runs
 * in the app's container; the server's stderr is the app's log; it sleeps (no container left) and wakes.
 *
 * <p>A Slipway of its own rather than DockerFlowIT's: that one installs Python packages only from a directory of wheels
 * ({@code build.pipFindLinks}), and these need {@code mcp} from PyPI.
 */
@ExtendWith(PodmanExtension.class)
class DockerStdioIT {
    @TempDir
    static Path dataDir;
    static TestServer server;
    static DockerClient docker;
    static String alice;
    static TypeScriptMcpClient client;

    @BeforeAll
    static void start(PodmanEngine engine) {
        server = TestServer.start(dataDir, c -> onDocker(c, engine));
        docker = DockerRuntimes.client(engine);
        alice = server.token("alice");
        client = TypeScriptMcpClient.install();
    }

    @AfterAll
    static void stop() {
        DockerRuntimes.stop(server, docker, dataDir);
    }

    /** Slipway on the engine, on its own base images, Python packages from PyPI; a 30 s start budget, idle checks every 100 ms. */
    private static SlipwayConfig onDocker(SlipwayConfig c, PodmanEngine engine) {
        var i = c.instances();
        return DockerRuntimes.onEngine(c, engine, Optional.empty(), Optional.empty())
                .withInstances(new SlipwayConfig.InstanceSettings(Duration.ofSeconds(30), Duration.ofSeconds(1), i.maxWaiters(),
                        i.maxWait(), i.maxRunning(), Duration.ofMillis(100), Duration.ofSeconds(10), i.drainTimeout()));
    }

    /**
     * Answers from its container through the bridge; sleep stops the container, bridge and server processes with it, and
     * the next client's request starts them afresh.
     */
    @Test
    void aTypeScriptStdioServerAnswersTheSdksClientInItsContainerSleepsWithNoContainerLeftAndWakes() {
        JsonObject app = server.deploy(alice, "index.ts", TestApps.source("mcp-stdio.ts"),
                Map.of("requirements", "@modelcontextprotocol/sdk zod", "transport", "stdio", "sleepAfter", "1s"));
        String id = app.getString("id");

        assertThat(app.getString("entry")).isEqualTo("slipway-stdio-bridge.mjs");
        assertRecognisedAndAnswering(app);
        assertThat(server.appLog(id)).contains("[app] slipway: serving the stdio MCP server index.mjs as Streamable HTTP at /mcp on 0.0.0.0:8000");

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(server.server(alice, id).getString("status")).isEqualTo("sleeping");
            assertThat(containersOf(id)).isEmpty();
        });
        assertAnswers(id);

        assertThat(containersOf(id)).singleElement().extracting(Container::getState).isEqualTo("running");
        assertThat(server.appLog(id)).as("the bridge ends its server's processes at SIGTERM, then itself")
                .contains("[slipway] asleep (exited with code 0)");
    }

    /**
     * On {@code mcp} 1.x (FastMCP), whose wheels (pydantic-core) link to more of the system than python3 does. The 2.x
     * SDK's stdio server is StdioServersIT's; its wheels link to the same libraries.
     */
    @Test
    void aPythonStdioServerAnswersTheSdksClientThroughTheBridgeInItsContainer() {
        JsonObject app = server.deploy(alice, "app.py", TestApps.source("mcp-stdio.py"), Map.of("requirements", "mcp<2", "transport", "stdio"));

        assertThat(app.getString("entry")).isEqualTo("slipway-stdio-bridge.py");
        assertRecognisedAndAnswering(app);
    }

    /** Recognised at its start (its tools in the server JSON), answering from its container, its stderr in its log. */
    private static void assertRecognisedAndAnswering(JsonObject app) {
        String id = app.getString("id");
        assertThat(app.getJsonObject("mcp")).as("recognised at its start: %s", app).isNotNull();
        assertThat(app.getJsonObject("mcp").getJsonArray("tools").getJsonObject(0).getString("name")).isEqualTo("add");

        assertAnswers(id);

        assertThat(containersOf(id)).as("served from its container").singleElement().extracting(Container::getState).isEqualTo("running");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(server.appLog(id)).as("the server's stderr, in the app's log")
                .containsPattern("\\[app] stdio server \\d+ ready, PORT=unset"));
    }

    /** The TypeScript SDK's client lists the tools and calls {@code add(2, 3)} at {@code /containers/{id}/mcp}. */
    private static void assertAnswers(String id) {
        JsonObject answer = client.listToolsAndAdd(server.base().resolve("/containers/" + id + "/mcp").toString());

        assertThat(answer.getJsonArray("tools").getList()).containsExactly("add");
        assertThat(answer.getString("result")).isEqualTo("5");
    }

    /** Every container of the app, running or not, found by the label the SPI promises. */
    private static List<Container> containersOf(String appId) {
        return docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(SandboxSpec.APP_LABEL, appId)).exec();
    }
}
