package io.slipway.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.slipway.testing.SandboxProcesses;
import io.slipway.testing.SlipwayProcess;
import io.slipway.testing.TestApps;
import io.slipway.testing.TestServer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's quick start, verbatim but for the port and data dir: {@code ./slipway up} as a separate process,
 * {@code ./slipway token}, and curl.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class QuickStartIT {
    @TempDir
    static Path work;
    static Path data;
    static SlipwayProcess running;
    static Process slipway;
    static List<String> output;
    static String base;
    static String token;

    @BeforeAll
    static void up() throws Exception {
        TestServer.openForSandboxes(work);
        data = work.resolve("data");
        Files.writeString(work.resolve("index.ts"), TestApps.source("express.ts"));
        Files.writeString(work.resolve("app.py"), TestApps.source("hello.py"));
        Files.writeString(work.resolve("index.js"), TestApps.source("hello.js"));
        running = SlipwayProcess.up(data, java.util.Map.of("SLIPWAY_INSTANCES_IDLE_CHECK_INTERVAL", "200ms"));
        slipway = running.process();
        output = running.output();
        base = running.base();
        List<String> tokenOutput = sh("./slipway token --user alice --data " + data).lines().toList();
        token = tokenOutput.getLast();
    }

    @AfterAll
    static void down() throws Exception {
        if (running != null) running.close();
    }

    @Test
    @Order(1)
    void typescriptAppWithExpressAndCorsDeploysAndAnswersAsInTheQuickStart() throws Exception {
        JsonObject created = new JsonObject(sh("curl -sS -X POST " + base + "/api/containers/upload -H \"Authorization: Bearer " + token
                + "\" -F \"file=@" + work.resolve("index.ts") + "\" -F \"name=my-app\" -F \"requirements=express cors\""));
        assertThat(created.getString("name")).isEqualTo("my-app");
        assertThat(created.getString("runtime")).isEqualTo("node");
        assertThat(created.getString("status")).isEqualTo("running");
        String id = created.getString("id");
        assertThat(created.getString("endpoint")).isEqualTo(base + "/containers/" + id);

        assertThat(new JsonObject(sh("curl -sS " + base + "/containers/" + id + "/")).getString("message")).isEqualTo("hello from express");

        var projects = new JsonObject(sh("curl -sS -H \"Authorization: Bearer " + token + "\" " + base + "/api/mcp-projects")).getJsonArray("projects");
        assertThat(projects.stream().map(p -> ((JsonObject) p).getString("id"))).contains(id);

        JsonObject redeployed = new JsonObject(sh("curl -sS -X PUT " + base + "/api/containers/servers/" + id + " -H \"Authorization: Bearer "
                + token + "\" -F \"file=@" + work.resolve("index.js") + "\""));
        assertThat(redeployed.getString("endpoint")).isEqualTo(created.getString("endpoint"));
        await().atMost(Duration.ofSeconds(20)).until(() -> sh("curl -sS " + base + "/containers/" + id + "/").contains("hello-js"));

        assertThat(sh("curl -sS -o /dev/null -w '%{http_code}' -X DELETE -H \"Authorization: Bearer " + token + "\" " + base
                + "/api/containers/servers/" + id)).isEqualTo("204");
        assertThat(sh("curl -sS -o /dev/null -w '%{http_code}' " + base + "/containers/" + id + "/")).isEqualTo("404");
    }

    @Test
    @Order(2)
    void pythonAppSleepsThreeSecondsAfterItsLastRequestAndFiftyConcurrentRequestsWakeIt() throws Exception {
        JsonObject created = new JsonObject(sh("curl -sS -X POST " + base + "/api/containers/upload -H \"Authorization: Bearer " + token
                + "\" -F \"file=@" + work.resolve("app.py") + "\" -F \"sleepAfter=3s\""));
        String id = created.getString("id");
        assertThat(sh("curl -sS " + base + "/containers/" + id + "/hi")).contains("\"path\": \"/hi\"");

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            assertThat(SandboxProcesses.count(id)).isZero();
            assertThat(sh("curl -sS -H \"Authorization: Bearer " + token + "\" " + base + "/api/containers/servers/" + id))
                    .contains("\"status\":\"sleeping\"");
        });

        String codes = sh("seq 50 | xargs -P 50 -I{} curl -sS -o /dev/null -w '%{http_code}\\n' " + base + "/containers/" + id + "/n{}");
        assertThat(codes.lines().toList()).hasSize(50).containsOnly("200");
        assertThat(Files.readAllLines(data.resolve("logs/" + id + ".log")).stream().filter(l -> l.endsWith("[slipway] starting")))
                .hasSize(2);
    }

    @Test
    @Order(3)
    void sigtermStopsSlipwayAndEveryAppAndExitsCleanly() throws Exception {
        String id = new JsonObject(sh("curl -sS -X POST " + base + "/api/containers/upload -H \"Authorization: Bearer " + token
                + "\" -F \"file=@" + work.resolve("index.js") + "\"")).getString("id");
        assertThat(sh("curl -sS " + base + "/containers/" + id + "/")).contains("hello-js");
        assertThat(SandboxProcesses.count(id)).isPositive();

        // Through the handle: Process.destroy() would also close our end of its stdout and lose its last lines.
        slipway.toHandle().destroy();

        assertThat(slipway.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(slipway.exitValue()).isZero();
        assertThat(SandboxProcesses.count(id)).isZero();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(output).anyMatch(l -> l.contains("Slipway is shutting down")));
    }

    private static String sh(String command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("bash", "-c", command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + command);
        }
        if (p.exitValue() != 0) throw new AssertionError("failed (" + p.exitValue() + "): " + command + "\n" + out);
        return out;
    }
}
