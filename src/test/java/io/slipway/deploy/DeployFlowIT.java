package io.slipway.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.slipway.testing.Multipart;
import io.slipway.testing.SandboxProcesses;
import io.slipway.testing.SlipwayServerExtension;
import io.slipway.testing.SlipwayServerExtension.Token;
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
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The deploy flow of DESIGN §1 against a real server, real sandboxes and real packages. */
class DeployFlowIT {
    /** JUnit makes it before the server starts; the wheel in it only has to be there by the first Python install. */
    @TempDir
    static Path wheels;
    @RegisterExtension
    static final SlipwayServerExtension slipway = SlipwayServerExtension.withConfig(
            c -> c.withBuild(c.build().withPipFindLinks(wheels.toString())));
    static TestServer server;
    @Token("alice")
    static String alice;

    @BeforeAll
    static void buildWheel() throws IOException {
        Wheels.build(wheels, "slipway_testpkg", "1.0", "def greet():\n    return 'hello from a wheel'\n");
        // pip lists the find-links directory as the build uid.
        Files.setPosixFilePermissions(wheels, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @Test
    void typescriptExpressAppWithNpmPackagesAnswersThroughTheProxy() {
        JsonObject app = server.deploy(alice, "index.ts", TestApps.source("express.ts"), Map.of("name", "my-app", "requirements", "express cors"));

        assertThat(app.getString("status")).as("a deploy answers once the app runs").isEqualTo("running");
        assertThat(app.getString("runtime")).isEqualTo("node");
        assertThat(app.getString("name")).isEqualTo("my-app");
        assertThat(app.getString("endpoint")).isEqualTo("http://localhost:" + server.base().getPort() + "/containers/" + app.getString("id"));
        HttpResponse<String> root = server.call(app.getString("id"), "/");
        assertThat(root.statusCode()).isEqualTo(200);
        assertThat(new JsonObject(root.body()).getString("message")).isEqualTo("hello from express");
        assertThat(root.headers().firstValue("access-control-allow-origin")).contains("*");
        HttpResponse<String> teapot = server.call(app.getString("id"), "/teapot");
        assertThat(teapot.statusCode()).isEqualTo(418);
        assertThat(teapot.body()).isEqualTo("short and stout");
    }

    @Test
    void commonJsEsModuleAndCommonJsTypescriptAppsAllRun() {
        String cjs = server.deploy(alice, "index.js", TestApps.source("hello.js"), Map.of()).getString("id");
        String esm = server.deploy(alice, "index.mjs", TestApps.source("hello.mjs"), Map.of()).getString("id");
        String cjsTs = server.deploy(alice, "index.ts", TestApps.source("commonjs.ts"), Map.of()).getString("id");

        assertThat(new JsonObject(server.call(cjs, "/").body()).getString("app")).isEqualTo("hello-js");
        assertThat(new JsonObject(server.call(esm, "/").body()).getString("app")).isEqualTo("hello-mjs");
        assertThat(server.call(cjsTs, "/").body()).isEqualTo("hello from commonjs ts");
    }

    @Test
    void pythonStandardLibraryAppAnswers() {
        JsonObject app = server.deploy(alice, "app.py", TestApps.source("hello.py"), Map.of());

        assertThat(app.getString("runtime")).isEqualTo("python");
        assertThat(app.getString("name")).isEqualTo("app");
        HttpResponse<String> response = server.call(app.getString("id"), "/some/path?q=1");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(new JsonObject(response.body()).getString("path")).isEqualTo("/some/path?q=1");
    }

    @Test
    void pythonAppGetsItsRequirementFromALocalWheel() {
        JsonObject app = server.deploy(alice, "app.py", TestApps.source("wheel.py"), Map.of("requirements", "slipway-testpkg==1.0"));

        assertThat(app.getJsonArray("requirements").getList()).containsExactly("slipway-testpkg==1.0");
        assertThat(server.call(app.getString("id"), "/").body()).isEqualTo("hello from a wheel");
    }

    @Test
    void secondAppWithTheSameRequirementsInstallsNothing() throws IOException {
        String first = server.deploy(alice, "index.js", TestApps.source("hello.js"), Map.of("requirements", "ms@2.1.3 left-pad")).getString("id");
        String second = server.deploy(alice, "index.js", TestApps.source("hello.js"), Map.of("requirements", "left-pad, ms@2.1.3")).getString("id");

        assertThat(Files.readString(server.dataDir().resolve("logs/" + first + ".log"))).contains("npm install");
        String secondLog = Files.readString(server.dataDir().resolve("logs/" + second + ".log"));
        assertThat(secondLog).contains("is cached").doesNotContain("npm install");
        assertThat(server.call(second, "/").statusCode()).isEqualTo(200);
    }

    @Test
    void concurrentBuildsOfOneDependencySetInstallItOnce() throws IOException {
        // Three users: one user may have only build.maxPerUser (2) builds at once.
        List<CompletableFuture<JsonObject>> uploads = Stream.of(1, 2, 3)
                .map(i -> CompletableFuture.supplyAsync(() -> server.deploy(server.token("concurrent-" + i), "index.js", TestApps.source("hello.js"),
                        Map.of("requirements", "is-number@7.0.0"))))
                .toList();
        List<String> ids = uploads.stream().map(CompletableFuture::join).map(j -> j.getString("id")).toList();

        long installs = 0;
        for (String id : ids) {
            if (Files.readString(server.dataDir().resolve("logs/" + id + ".log")).contains("npm install is-number@7.0.0")) installs++;
        }
        assertThat(installs).isEqualTo(1);
        assertThat(ids).allSatisfy(id -> assertThat(server.call(id, "/").statusCode()).isEqualTo(200));
    }

    @Test
    void redeployKeepsTheIdAndEndpointAndServesTheNewCode() {
        JsonObject original = server.deploy(alice, "index.js", TestApps.source("hello.js"), Map.of("name", "swap"));
        String id = original.getString("id");
        assertThat(new JsonObject(server.call(id, "/").body()).getString("app")).isEqualTo("hello-js");

        HttpResponse<String> redeployed = server.redeploy(alice, id, new Multipart().file("index.mjs", TestApps.source("hello.mjs")));

        assertThat(redeployed.statusCode()).isEqualTo(200);
        JsonObject json = new JsonObject(redeployed.body());
        assertThat(json.getString("id")).isEqualTo(id);
        assertThat(json.getString("endpoint")).isEqualTo(original.getString("endpoint"));
        assertThat(json.getString("name")).isEqualTo("swap");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(new JsonObject(server.call(id, "/").body()).getString("app")).isEqualTo("hello-mjs"));
    }

    @Test
    void redeployWhoseBuildFailsLeavesTheOldCodeServing() {
        String id = server.deploy(alice, "index.js", TestApps.source("hello.js"), Map.of()).getString("id");
        assertThat(server.call(id, "/").statusCode()).isEqualTo(200);

        HttpResponse<String> failed = server.redeploy(alice, id, new Multipart().file("index.ts", "const x: = ;")
                .field("requirements", ""));

        assertThat(failed.statusCode()).isEqualTo(422);
        assertThat(new JsonObject(failed.body()).getString("type")).endsWith("/problems/build-failed");
        assertThat(new JsonObject(server.call(id, "/").body()).getString("app")).isEqualTo("hello-js");
    }

    @Test
    void deleteStopsTheAppAndRemovesItsRowCodeAndLog() {
        String id = server.deploy(alice, "index.js", TestApps.source("hello.js"), Map.of()).getString("id");
        assertThat(server.call(id, "/").statusCode()).isEqualTo(200);
        assertThat(SandboxProcesses.count(id)).isPositive();

        assertThat(server.delete("/api/containers/servers/" + id, alice).statusCode()).isEqualTo(204);

        assertThat(SandboxProcesses.count(id)).isZero();
        assertThat(server.get("/api/containers/servers/" + id, alice).statusCode()).isEqualTo(404);
        HttpResponse<String> call = server.call(id, "/");
        assertThat(call.statusCode()).isEqualTo(404);
        assertThat(call.headers().firstValue("X-Slipway-Error")).contains("not-found");
        assertThat(server.dataDir().resolve("apps/" + id)).doesNotExist();
        assertThat(server.dataDir().resolve("logs/" + id + ".log")).doesNotExist();
        assertThat(server.delete("/api/containers/servers/" + id, alice).statusCode()).isEqualTo(404);
    }

    @Test
    void usersSeeOnlyTheirOwnAppsNewestFirstAndAnotherUsersIdIsNotFound() {
        String carol = server.token("carol");
        String dave = server.token("dave");
        String older = server.deploy(carol, "index.js", TestApps.source("hello.js"), Map.of("name", "older")).getString("id");
        String newer = server.deploy(carol, "index.js", TestApps.source("hello.js"), Map.of("name", "newer")).getString("id");
        String daves = server.deploy(dave, "app.py", TestApps.source("hello.py"), Map.of()).getString("id");

        var projects = new JsonObject(server.get("/api/mcp-projects", carol).body()).getJsonArray("projects");
        assertThat(projects.stream().map(p -> ((JsonObject) p).getString("id")).toList()).containsExactly(newer, older);
        assertThat(server.get("/api/containers/servers/" + daves, carol).statusCode()).isEqualTo(404);
        assertThat(server.delete("/api/containers/servers/" + daves, carol).statusCode()).isEqualTo(404);
        assertThat(server.redeploy(carol, daves, new Multipart().file("app.py", TestApps.source("hello.py"))).statusCode()).isEqualTo(404);
        assertThat(server.get("/api/containers/servers/" + daves + "/logs", carol).statusCode()).isEqualTo(404);
        assertThat(server.get("/api/containers/servers/" + daves, dave).statusCode()).isEqualTo(200);
    }

    @Test
    void appGetsItsEnvAndTheForwardedHeaders() {
        String id = server.deploy(alice, "index.js", TestApps.source("hello.js"),
                Map.of("env", "{\"GREETING\":\"bonjour\"}")).getString("id");

        JsonObject seen = new JsonObject(server.call(id, "/x?y=1").body());

        assertThat(seen.getString("greeting")).isEqualTo("bonjour");
        assertThat(seen.getString("nodeEnv")).isEqualTo("production");
        assertThat(seen.getString("url")).isEqualTo("/x?y=1");
        assertThat(seen.getString("forwardedPrefix")).isEqualTo("/containers/" + id);
        assertThat(seen.getString("forwardedFor")).isEqualTo("127.0.0.1");
        assertThat(server.server(alice, id).getJsonArray("envKeys").getList()).containsExactly("GREETING");
    }

    @Test
    void followedLogsArriveAsServerSentEventsWhileTheAppWrites() throws Exception {
        String id = server.deploy(alice, "app.py", TestApps.source("hello.py"), Map.of()).getString("id");
        HttpResponse<java.util.stream.Stream<String>> stream = server.http().send(java.net.http.HttpRequest.newBuilder(
                        server.base().resolve("/api/containers/servers/" + id + "/logs?follow=true"))
                .header("Authorization", "Bearer " + alice).build(), HttpResponse.BodyHandlers.ofLines());
        assertThat(stream.headers().firstValue("Content-Type")).contains("text/event-stream");

        server.call(id, "/followed");

        try (var lines = stream.body()) {
            assertThat(lines.filter(l -> l.startsWith("data: ")).anyMatch(l -> l.contains("request /followed"))).isTrue();
        }
    }

    @Test
    void logsShowTheBuildTheLifecycleAndTheAppsOutput() {
        String id = server.deploy(alice, "app.py", TestApps.source("hello.py"), Map.of()).getString("id");
        server.call(id, "/logged");

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            HttpResponse<String> logs = server.get("/api/containers/servers/" + id + "/logs", alice);
            assertThat(logs.statusCode()).isEqualTo(200);
            assertThat(logs.body()).contains("[slipway] building app.py", "[slipway] ready in", "request /logged");
        });
    }

    /** The usual first mistake: a package imported but not in requirements. The upload says which to add. */
    @Test
    void anUploadImportingAPackageNotInItsRequirementsIsRefusedSayingWhichToAdd() {
        String app = "import express from 'express';\nexpress().get('/', (q, r) => r.send('hi')).listen(process.env.PORT, process.env.HOST);\n";

        HttpResponse<String> response = server.upload(alice, new io.slipway.testing.Multipart().file("index.js", app));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(422);
        JsonObject problem = new JsonObject(response.body());
        assertThat(problem.getString("type")).endsWith("/start-failed");
        assertThat(problem.getString("detail")).contains("add express to requirements");
        assertThat(problem.getString("logTail")).contains("Cannot find package 'express'");
    }

    /** While its dependency set installs, an upload is in its owner's list as building; then it answers 201 running. */
    @Test
    void anAppIsListedAsBuildingWhileItBuilds() throws Exception {
        var upload = java.util.concurrent.CompletableFuture.supplyAsync(() -> server.deploy(alice, "app.py", TestApps.source("wheel.py"),
                Map.of("name", "slow-build", "requirements", "slipway-testpkg==1.0 slipway-testpkg")));

        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> upload.isDone()
                || new JsonObject(server.get("/api/mcp-projects", alice).body()).getJsonArray("projects").stream().map(JsonObject.class::cast)
                        .anyMatch(p -> "slow-build".equals(p.getString("name")) && "building".equals(p.getString("status"))));

        assertThat(upload).as("seen as building before its upload answered").isNotDone();
        String id = new JsonObject(server.get("/api/mcp-projects", alice).body()).getJsonArray("projects").stream().map(JsonObject.class::cast)
                .filter(p -> "slow-build".equals(p.getString("name"))).findFirst().orElseThrow().getString("id");
        HttpResponse<String> redeploy = server.redeploy(alice, id, new io.slipway.testing.Multipart().file("app.py", TestApps.source("hello.py")));
        assertThat(redeploy.statusCode()).as("a redeploy of an app whose first upload still builds: %s", redeploy.body()).isEqualTo(503);
        assertThat(new JsonObject(redeploy.body()).getString("type")).endsWith("/still-building");
        assertThat(upload.get(60, java.util.concurrent.TimeUnit.SECONDS).getString("status")).isEqualTo("running");
        assertThat(server.call(id, "/").body()).as("the first upload's code, untouched by the refused redeploy").isEqualTo("hello from a wheel");
    }

    /** A start's readiness probe requests {@code /} unless the app names another path: a route with side effects is spared. */
    @Test
    void aStartProbesTheAppsHealthPathInsteadOfItsRoot() {
        JsonObject spared = server.deploy(alice, "index.js", TestApps.source("counts-root.js"), Map.of("healthPath", "/healthz"));
        JsonObject probed = server.deploy(alice, "index.js", TestApps.source("counts-root.js"), Map.of());

        assertThat(spared.getString("healthPath")).isEqualTo("/healthz");
        assertThat(probed.getString("healthPath")).isEqualTo("/");
        assertThat(new JsonObject(server.call(spared.getString("id"), "/").body()).getInteger("rootCalls")).as("only this request").isEqualTo(1);
        assertThat(new JsonObject(server.call(probed.getString("id"), "/").body()).getInteger("rootCalls")).as("the probe's and this one")
                .isEqualTo(2);
    }
}
