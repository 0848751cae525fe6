package io.slipway.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.slipway.testing.SlipwayCli;
import io.slipway.testing.SlipwayCli.Run;
import io.slipway.testing.SlipwayServerExtension;
import io.slipway.testing.SlipwayServerExtension.Token;
import io.slipway.testing.TestApps;
import io.slipway.testing.TestServer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client commands as a user runs them: the real {@code ./slipway} launcher as a process, against a real Slipway,
 * configured by {@code SLIPWAY_SERVER}/{@code SLIPWAY_TOKEN} or by the file {@code login} writes (in a temp
 * {@code XDG_CONFIG_HOME}). One server and one deployed app for the class; tests that change apps make their own.
 */
class ClientCommandsIT {
    @RegisterExtension
    static final SlipwayServerExtension slipway = SlipwayServerExtension.withDefaults();
    static TestServer server;
    @Token("cli-user")
    static String token;

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    static Path work;
    static Path hello;
    /** The class's app, deployed by {@code ./slipway deploy} before the tests. */
    static Run deployed;
    static String id;

    @BeforeAll
    static void deployTheClassesApp() throws IOException {
        hello = Files.writeString(work.resolve("hello.js"), TestApps.source("hello.js"));
        deployed = slipway("deploy", hello.toString(), "--name", "cli-hello", "--env", "GREETING=hi from the cli");
        assertThat(deployed.exit()).as(deployed.stderr()).isZero();
        id = URI.create(deployed.lastLine()).getPath().replaceFirst("^/containers/", "");
    }

    @Test
    void deployShowsTheBuildAsItRunsAndPrintsAWorkingEndpointLast() throws Exception {
        assertThat(deployed.stderr()).contains("deploying hello.js", "[slipway] building hello.js for node", "[slipway] starting");
        assertThat(deployed.stdout()).contains("deployed cli-hello (id " + id);
        assertThat(deployed.lastLine()).isEqualTo(server.server(token, id).getString("endpoint"));

        JsonObject answer = new JsonObject(fetch(deployed.lastLine() + "/"));
        assertThat(answer.getString("app")).isEqualTo("hello-js");
        assertThat(answer.getString("greeting")).isEqualTo("hi from the cli");
    }

    @Test
    void aTypeScriptAppWithRequirementsDeploysFromARelativePathAndAnswers() throws Exception {
        Path dir = Files.createDirectories(work.resolve("project"));
        Files.writeString(dir.resolve("index.ts"), TestApps.source("express.ts"));

        Run run = SlipwayCli.run(work, dir, "", env(), "deploy", "index.ts", "--name", "cli-express", "--requirements", "express cors");

        assertThat(run.exit()).as(run.stderr()).isZero();
        assertThat(new JsonObject(fetch(run.lastLine() + "/")).getString("message")).isEqualTo("hello from express");
        assertThat(slipway("rm", appId(run)).exit()).isZero();
    }

    @Test
    void aRedeployWithIdShowsOnlyItsOwnBuildAndWithJsonPrintsTheServerJson() throws Exception {
        Run first = slipway("deploy", hello.toString(), "--name", "cli-redeploy");
        String appId = appId(first);

        Run again = slipway("deploy", hello.toString(), "--id", appId, "--env", "GREETING=second", "--sleep-after", "30s", "--json");

        assertThat(again.exit()).as(again.stderr()).isZero();
        assertThat(again.stderr()).contains("redeploying hello.js", "[slipway] redeploying with hello.js")
                .doesNotContain("[slipway] building hello.js for node");
        JsonObject app = new JsonObject(again.stdout());
        assertThat(app.getString("id")).isEqualTo(appId);
        assertThat(app.getString("endpoint")).isEqualTo(first.lastLine());
        assertThat(app.getString("status")).isEqualTo("running");
        assertThat(app.getString("sleepAfter")).isEqualTo("30s");
        assertThat(new JsonObject(fetch(first.lastLine() + "/")).getString("greeting")).isEqualTo("second");
        assertThat(slipway("rm", appId).exit()).isZero();
    }

    @Test
    void lsShowsTheAppsNameIdStatusAndEndpointAndItsJsonParses() {
        Run table = slipway("ls");
        assertThat(table.exit()).as(table.stderr()).isZero();
        assertThat(table.stdout().lines().findFirst()).hasValueSatisfying(header -> assertThat(header).startsWith("ID").contains("NAME", "STATUS", "ENDPOINT"));
        assertThat(table.stdout().lines().filter(line -> line.startsWith(id + " ")))
                .singleElement().satisfies(line -> assertThat(line).contains("cli-hello", deployed.lastLine()));

        Run json = slipway("ls", "--json");
        assertThat(json.exit()).isZero();
        assertThat(new JsonObject(json.stdout()).getJsonArray("projects").stream().map(p -> ((JsonObject) p).getString("id"))).contains(id);
    }

    @Test
    void statusShowsTheApp() {
        Run text = slipway("status", id);
        assertThat(text.exit()).as(text.stderr()).isZero();
        assertThat(text.stdout()).containsPattern("(?m)^id: +" + id + "$").containsPattern("(?m)^name: +cli-hello$")
                .containsPattern("(?m)^status: +(running|sleeping|ready)$").contains(deployed.lastLine());
    }

    @Test
    void logsShowTheAppsSlipwayLines() {
        Run run = slipway("logs", id);

        assertThat(run.exit()).as(run.stderr()).isZero();
        assertThat(run.stdout()).contains("[slipway] building hello.js for node", "[slipway] starting");
    }

    @Test
    void logsFollowPrintsLinesAsTheyComeAndEndsWhenRmRemovesTheApp() throws Exception {
        String appId = appId(slipway("deploy", hello.toString(), "--name", "cli-follow"));
        Path out = work.resolve("follow-" + appId + ".txt");
        Process follow = SlipwayCli.builder(env(), "logs", appId, "-f").redirectOutput(out.toFile())
                .redirectError(work.resolve("follow-" + appId + ".err").toFile()).start();
        try {
            await().atMost(Duration.ofSeconds(20)).until(() -> Files.readString(out).contains("[slipway] starting"));
            fetch(server.base() + "/containers/" + appId + "/slow?ms=1");
            await().atMost(Duration.ofSeconds(20)).until(() -> Files.readString(out).contains("slow request: answering in 1 ms"));

            Run rm = slipway("rm", appId);

            assertThat(rm.exit()).as(rm.stderr()).isZero();
            assertThat(rm.stdout()).contains("deleted " + appId);
            assertThat(follow.waitFor(20, TimeUnit.SECONDS)).as("logs -f ends when the app is deleted").isTrue();
            assertThat(follow.exitValue()).isZero();
            assertThat(server.get("/api/containers/servers/" + appId, token).statusCode()).isEqualTo(404);
        } finally {
            follow.destroyForcibly();
        }
    }

    @Test
    void rmOfAnUnknownIdExitsOneQuotingTheDetail() {
        Run run = slipway("rm", "no-such-app");

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.stderr()).contains("slipway: you have no app with id 'no-such-app' (404 Not Found)");
    }

    @Test
    void usageWithJsonPrintsThePlanAndThisMonthsUsePerApp() {
        Run json = slipway("usage", "--json");

        assertThat(json.exit()).as(json.stderr()).isZero();
        JsonObject usage = new JsonObject(json.stdout());
        assertThat(usage.getString("plan")).isEqualTo("free");
        assertThat(usage.getJsonArray("apps").stream().map(a -> ((JsonObject) a).getString("id"))).contains(id);
    }

    @Test
    void aMissingFileFailsWithAMessage() {
        Run run = slipway("deploy", work.resolve("missing.ts").toString());

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.stdout()).isEmpty();
        assertThat(run.stderr()).contains("cannot deploy " + work.resolve("missing.ts") + ": no such file");
    }

    @Test
    void anUnknownCommandOrAMalformedArgumentExitsTwo() {
        // Unknown flags and missing arguments, picocli's usage errors: ClientCommandsTest.
        Run command = slipway("deplyo", hello.toString());
        assertThat(command.exit()).isEqualTo(2);
        assertThat(command.stderr()).contains("unknown command 'deplyo'");

        Run envWithoutValue = slipway("env", "set", id, "GREETING");
        assertThat(envWithoutValue.exit()).isEqualTo(2);
        assertThat(envWithoutValue.stderr()).contains("'GREETING' is not K=V");
    }

    @Test
    void aBadTokenExitsOneQuotingTheProblemsDetail() {
        String detail = new JsonObject(server.get("/api/mcp-projects", "not-a-token").body()).getString("detail");

        Run run = SlipwayCli.run(work, Map.of("SLIPWAY_SERVER", server.base().toString(), "SLIPWAY_TOKEN", "not-a-token",
                "XDG_CONFIG_HOME", work.resolve("no-config").toString()), "ls");

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.stderr()).contains("slipway: " + detail + " (401 Unauthorized)");
    }

    @Test
    void withNoServerConfiguredACommandExitsTwoSayingHowToConfigureOne() {
        Run run = SlipwayCli.run(work, Map.of("XDG_CONFIG_HOME", work.resolve("empty-config").toString()), "ls");

        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.stderr()).contains("no server configured", "./slipway login", "SLIPWAY_SERVER", "SLIPWAY_TOKEN");
    }

    @Test
    void loginChecksTheTokenWritesAFileOnlyItsOwnerReadsAndLaterCommandsUseIt() throws IOException {
        Path xdg = work.resolve("login-config");
        Map<String, String> noVariables = Map.of("XDG_CONFIG_HOME", xdg.toString());

        Run refused = SlipwayCli.run(work, noVariables, "login", "--server", server.base().toString(), "--token", "not-a-token");
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(xdg.resolve("slipway/config.json")).doesNotExist();

        Run login = SlipwayCli.run(work, null, token + "\n", noVariables, "login", "--server", server.base().toString());
        assertThat(login.exit()).as(login.stderr()).isZero();
        Path file = xdg.resolve("slipway/config.json");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent()))).isEqualTo("rwx------");
        assertThat(new JsonObject(Files.readString(file)).getString("server")).isEqualTo(server.base().toString());

        Run ls = SlipwayCli.run(work, noVariables, "ls");
        assertThat(ls.exit()).as(ls.stderr()).isZero();
        assertThat(ls.stdout()).contains(id);
        // That SLIPWAY_SERVER and SLIPWAY_TOKEN override the file, one by one: ClientCommandsTest.
    }

    @Test
    void versionsRollbackAndEnvChangeAnAppOfTheirOwnWithoutItsCodeSentAgain() throws Exception {
        Run first = slipway("deploy", hello.toString(), "--name", "cli-versions");
        String appId = appId(first);
        Path second = Files.writeString(work.resolve("hello2.js"), TestApps.source("hello.js") + "\n// the second version\n");
        assertThat(slipway("deploy", second.toString(), "--id", appId).exit()).isZero();

        Run versions = slipway("versions", appId);
        assertThat(versions.exit()).as(versions.stderr()).isZero();
        assertThat(versions.stdout().lines().filter(l -> l.matches("\\*?\\s*[12]\\b.*"))).as(versions.stdout()).hasSize(2);
        assertThat(versions.stdout()).containsPattern("(?m)^\\*\\s*2\\b");

        Run rollback = slipway("rollback", appId, "1");
        assertThat(rollback.exit()).as(rollback.stderr()).isZero();
        assertThat(server.server(token, appId).getInteger("version")).isEqualTo(1);
        assertThat(slipway("versions", appId).stdout()).containsPattern("(?m)^\\*\\s*1\\b");

        Run set = slipway("env", "set", appId, "GREETING=set by env set");
        assertThat(set.exit()).as(set.stderr()).isZero();
        assertThat(new JsonObject(fetch(first.lastLine() + "/")).getString("greeting")).isEqualTo("set by env set");
        Run unset = slipway("env", "unset", appId, "GREETING");
        assertThat(unset.exit()).as(unset.stderr()).isZero();
        assertThat(new JsonObject(fetch(first.lastLine() + "/")).getString("greeting")).isNull();
        assertThat(slipway("rm", appId).exit()).isZero();
    }

    @Test
    void helpGoesThroughTheLauncherToTheCommandAndExitsZero() {
        // Every command's --help, in process: ClientCommandsTest. Here, that the launcher hands them on, nested ones too.
        Run set = SlipwayCli.run(work, Map.of(), "env", "set", "--help");
        assertThat(set.exit()).as(set.stderr()).isZero();
        assertThat(set.stdout()).contains("Usage: slipway env set", "K=V");
    }

    private static String appId(Run deploy) {
        assertThat(deploy.exit()).as(deploy.stderr()).isZero();
        return URI.create(deploy.lastLine()).getPath().replaceFirst("^/containers/", "");
    }

    private static Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("SLIPWAY_SERVER", server.base().toString());
        env.put("SLIPWAY_TOKEN", token);
        env.put("XDG_CONFIG_HOME", work.resolve("unused-config").toString());
        return env;
    }

    private static Run slipway(String... args) {
        return SlipwayCli.run(work, env(), args);
    }

    /** The body of a GET, which must answer 200. */
    private static String fetch(String url) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("GET %s: %s", url, response.body()).isEqualTo(200);
        return response.body();
    }
}
