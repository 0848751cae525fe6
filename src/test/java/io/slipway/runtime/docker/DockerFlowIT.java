package io.slipway.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.model.Container;
import io.slipway.config.SlipwayConfig;
import io.slipway.runtime.SandboxSpec;
import io.slipway.testing.PodmanEngine;
import io.slipway.testing.PodmanExtension;
import io.slipway.testing.TestApps;
import io.slipway.testing.TestServer;
import io.slipway.testing.Wheels;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
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
 * DESIGN §1's flow with {@code runtime: docker} on a real engine (podman's Docker-compatible service, no registry):
 * express and cors from npm and a Python app with a requirement answer through the proxy from containers labelled with
 * their app and limited to their plan's memory; an idle app sleeps (no container left) and wakes; a container the
 * engine restarts behind Slipway is the end of its sandbox, and the next request starts a new one; a deleted app leaves
 * no container.
 */
@ExtendWith(PodmanExtension.class)
class DockerFlowIT {
    @TempDir
    static Path dataDir;
    @TempDir
    static Path wheels;
    static TestServer server;
    static DockerClient docker;
    static String alice;

    @BeforeAll
    static void start(PodmanEngine engine) throws IOException {
        Wheels.build(wheels, "slipway_testpkg", "1.0", "def greet():\n    return 'hello from a wheel'\n");
        Files.setPosixFilePermissions(wheels, PosixFilePermissions.fromString("rwxr-xr-x"));
        server = TestServer.start(dataDir, c -> onDocker(c, engine));
        docker = DockerRuntimes.client(engine);
        alice = server.token("alice");
    }

    @AfterAll
    static void stop() throws IOException {
        if (server != null) server.close();
        if (docker != null) docker.close();
        // The builds ran in cgroups of this Slipway's: with no process runtime to remove them, the build runner does.
        String group = "slipway-" + io.slipway.sandbox.SandboxLabel.of(dataDir);
        try (var controllers = Files.list(Path.of("/sys/fs/cgroup"))) {
            assertThat(controllers.map(c -> c.resolve(group))).as("cgroups left by the builds").noneMatch(Files::exists);
        }
    }

    /** Slipway on the engine, Python packages from the test's wheels only, with a quick lifecycle. */
    private static SlipwayConfig onDocker(SlipwayConfig c, PodmanEngine engine) {
        var i = c.instances();
        return DockerRuntimes.onEngine(c, engine, Optional.empty(), Optional.empty())
                .withBuild(c.build().withPipFindLinks(wheels.toString()))
                .withInstances(new SlipwayConfig.InstanceSettings(Duration.ofSeconds(30), Duration.ofSeconds(1), i.maxWaiters(),
                        i.maxWait(), i.maxRunning(), Duration.ofMillis(100), Duration.ofSeconds(10), i.drainTimeout()));
    }

    @Test
    void expressAndCorsAnswerFromAContainerLabelledWithTheAppAndLimitedToThePlansMemory() {
        JsonObject app = server.deploy(alice, "index.ts", TestApps.source("express.ts"), Map.of("requirements", "express cors"));
        String id = app.getString("id");

        HttpResponse<String> root = server.call(id, "/");
        assertThat(root.statusCode()).isEqualTo(200);
        assertThat(new JsonObject(root.body()).getString("message")).isEqualTo("hello from express");
        assertThat(server.call(id, "/teapot").statusCode()).isEqualTo(418);

        Container container = containersOf(id).stream().filter(c -> "running".equals(c.getState())).findFirst().orElseThrow();
        var inspected = docker.inspectContainerCmd(container.getId()).exec();
        long planMemory = SlipwayConfig.defaults(dataDir).plan(null).memory().bytes();
        assertThat(inspected.getHostConfig().getMemory()).isEqualTo(planMemory);
        assertThat(inspected.getConfig().getLabels()).containsEntry(SandboxSpec.APP_LABEL, id).containsEntry(SandboxSpec.USER_LABEL, "alice");
        assertThat(inspected.getHostConfig().getReadonlyRootfs()).isTrue();
    }

    @Test
    void aRedeployStartsItsContainerBesideTheOldOneAndLeavesOnlyTheNewOneOnceItServes() {
        String id = server.deploy(alice, "index.js", TestApps.source("versioned.js"), Map.of("env", "{\"VERSION\":\"1\"}")).getString("id");
        assertThat(new JsonObject(server.call(id, "/").body()).getString("version")).isEqualTo("1");
        String oldContainer = containersOf(id).getFirst().getId();

        HttpResponse<String> refused = server.redeploy(alice, id, new io.slipway.testing.Multipart().file("index.js", TestApps.source("crash.js")));
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(422);
        assertThat(containersOf(id)).as("the refused version's container is gone").extracting(Container::getId).containsExactly(oldContainer);

        HttpResponse<String> redeployed = server.redeploy(alice, id, new io.slipway.testing.Multipart()
                .file("index.js", TestApps.source("versioned.js") + "\n// 2\n").field("env", "{\"VERSION\":\"2\"}"));

        assertThat(redeployed.statusCode()).as(redeployed.body()).isEqualTo(200);
        assertThat(new JsonObject(server.call(id, "/").body()).getString("version")).isEqualTo("2");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(containersOf(id)).singleElement()
                .satisfies(c -> assertThat(c.getId()).isNotEqualTo(oldContainer)));
    }

    @Test
    void aPythonAppWithARequirementAnswers() {
        String id = server.deploy(alice, "app.py", TestApps.source("wheel.py"), Map.of("requirements", "slipway-testpkg==1.0")).getString("id");

        HttpResponse<String> answer = server.call(id, "/");
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(answer.body()).isEqualTo("hello from a wheel");
    }

    @Test
    void anIdleAppSleepsWithNoContainerLeftAndWakesOnTheNextRequest() {
        String id = server.deploy(alice, "index.js", TestApps.source("hello.js"), Map.of("sleepAfter", "1s")).getString("id");
        long firstStart = new JsonObject(server.call(id, "/").body()).getLong("startedAt");

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(server.server(alice, id).getString("status")).isEqualTo("sleeping");
            assertThat(containersOf(id)).isEmpty();
        });

        HttpResponse<String> woken = server.call(id, "/again");
        assertThat(woken.statusCode()).isEqualTo(200);
        assertThat(new JsonObject(woken.body()).getLong("startedAt")).isGreaterThan(firstStart);
        assertThat(containersOf(id)).singleElement().extracting(Container::getState).isEqualTo("running");
    }

    @Test
    void aContainerTheEngineRestartsBehindSlipwayFailsTheAppSayingSoAndTheNextRequestStartsANewOne() {
        String id = server.deploy(alice, "index.js", TestApps.source("hello.js"), Map.of()).getString("id");
        long firstStart = new JsonObject(server.call(id, "/").body()).getLong("startedAt");
        String restarted = containersOf(id).getFirst().getId();

        try {
            docker.restartContainerCmd(restarted).withTimeout(2).exec();
        } catch (DockerException e) {
            // Slipway removed the container while the engine restarted it.
        }

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            JsonObject failed = server.server(alice, id);
            assertThat(failed.getString("status")).isEqualTo("failed");
            assertThat(failed.getString("error")).contains("its container was restarted by the engine, behind Slipway");
            // Removed once its end is told: a moment after the app's status says so.
            assertThat(containersOf(id)).as("the restarted container is removed").isEmpty();
        });
        HttpResponse<String> next = server.call(id, "/again");
        assertThat(next.statusCode()).isEqualTo(200);
        assertThat(new JsonObject(next.body()).getLong("startedAt")).isGreaterThan(firstStart);
        assertThat(containersOf(id)).singleElement().satisfies(c -> assertThat(c.getId()).isNotEqualTo(restarted));
    }

    @Test
    void aDeletedAppLeavesNoContainer() {
        String id = server.deploy(alice, "index.js", TestApps.source("hello.js"), Map.of()).getString("id");
        assertThat(server.call(id, "/").statusCode()).isEqualTo(200);
        assertThat(containersOf(id)).hasSize(1);

        assertThat(server.delete("/api/containers/servers/" + id, alice).statusCode()).isEqualTo(204);

        assertThat(containersOf(id)).isEmpty();
        assertThat(server.call(id, "/").statusCode()).isEqualTo(404);
    }

    /** Every container of the app, running or not, found by the label the SPI promises. */
    private static List<Container> containersOf(String appId) {
        return docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(SandboxSpec.APP_LABEL, appId)).exec();
    }
}
