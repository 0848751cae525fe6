package io.slipway.cli.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.slipway.cli.SlipwayCommand;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The client commands' parsing and formatting, without a server. */
class ClientCommandsTest {
    @TempDir
    Path home;

    @Test
    void lsPrintsAnAlignedTableWithADashForWhatIsMissing() {
        JsonArray projects = new JsonArray().add(new JsonObject().put("id", "abc").put("name", "my-app").put("status", "running")
                .put("endpoint", "http://h/containers/abc")).add(new JsonObject().put("id", "defghi").put("name", "x").put("status", "building"));

        assertThat(AppCommands.ListApps.table(projects)).isEqualTo("""
                ID      NAME    STATUS    ENDPOINT
                abc     my-app  running   http://h/containers/abc
                defghi  x       building  -
                """);
    }

    @Test
    void statusAlignsItsFieldsAndLeavesOutThoseTheServerDidNotSend() {
        JsonObject app = new JsonObject().put("id", "abc").put("name", "my-app").put("status", "failed").put("error", "exited with code 1")
                .put("requirements", new JsonArray().add("express").add("cors")).put("usage", new JsonObject().put("activeSeconds", 1.5).put("requests", 3).put("storageBytes", 14336));

        assertThat(AppCommands.Status.describe(app)).isEqualTo("""
                id:            abc
                name:          my-app
                status:        failed
                error:         exited with code 1
                requirements:  express cors
                activeSeconds: 1.5
                requests:      3
                storageBytes:  14336
                """);
    }

    @Test
    void envAssignmentsSplitAtTheFirstEqualsSignAndRefuseWhatIsNoVariable() {
        assertThat(Assignments.parse(List.of("A=1", "URL=http://x/?a=b", "EMPTY=", "A=2")))
                .containsExactly(Map.entry("A", "2"), Map.entry("URL", "http://x/?a=b"), Map.entry("EMPTY", ""));
        assertThatThrownBy(() -> Assignments.parse(List.of("NOVALUE"))).isInstanceOf(UsageError.class).hasMessageContaining("is not K=V");
        assertThatThrownBy(() -> Assignments.parse(List.of("1A=x"))).isInstanceOf(UsageError.class).hasMessageContaining("not a variable name");
    }

    @Test
    void deployFlagsBecomeTheUploadsFormFields() throws Exception {
        Path file = Files.writeString(home.resolve("index.ts"), "console.log(1)");
        DeployCommand deploy = new DeployCommand();
        new CommandLine(deploy).parseArgs(file.toString(), "--name", "n", "--requirements", "express cors", "--env", "A=1", "--env", "B=x=y",
                "--sleep-after", "30s", "--private", "--transport", "stdio", "--always-on", "--request-timeout", "45s");

        String body = new String(deploy.form().bytes(), StandardCharsets.UTF_8);

        assertThat(body).contains("name=\"file\"; filename=\"index.ts\"", "console.log(1)")
                .contains("name=\"name\"\r\n\r\nn\r\n", "name=\"requirements\"\r\n\r\nexpress cors\r\n", "name=\"env\"\r\n\r\n{\"A\":\"1\",\"B\":\"x=y\"}\r\n",
                        "name=\"sleepAfter\"\r\n\r\n30s\r\n", "name=\"private\"\r\n\r\ntrue\r\n", "name=\"transport\"\r\n\r\nstdio\r\n",
                        "name=\"alwaysOn\"\r\n\r\ntrue\r\n", "name=\"requestTimeout\"\r\n\r\n45s\r\n")
                .endsWith("--\r\n");
    }

    @Test
    void everyClientCommandHasHelpAndExitsZero() {
        for (String command : List.of("login", "deploy", "ls", "status", "logs", "rm", "env", "env set", "env unset", "versions", "rollback", "usage")) {
            java.io.StringWriter out = new java.io.StringWriter();
            List<String> args = new ArrayList<>(List.of(command.split(" ")));
            args.add("--help");
            int exit = new CommandLine(new SlipwayCommand()).setOut(new java.io.PrintWriter(out, true)).execute(args.toArray(String[]::new));
            assertThat(exit).as(command).isZero();
            assertThat(out.toString()).as(command).startsWith("Usage: slipway " + command);
            // The group "env" only hands on to its subcommands, which print.
            if (!command.equals("env")) assertThat(out.toString()).as(command).contains("--json");
        }
    }

    @Test
    void aRedeployShowsTheLinesAfterTheLogsLastOne() {
        assertThat(DeployCommand.after("2026-12-02T00:00:01Z [slipway] a\n2026-12-02T00:00:02.5Z [app] b\n"))
                .isEqualTo(Instant.parse("2026-12-02T00:00:02.500000001Z"));
        assertThat(DeployCommand.after("")).isNull();
    }

    @Test
    void anUnknownFlagOrAMissingArgumentIsAUsageErrorExitingTwo() {
        assertThat(new CommandLine(new SlipwayCommand()).setErr(new java.io.PrintWriter(new ByteArrayOutputStream(), true))
                .execute("ls", "--colour")).isEqualTo(2);
        assertThat(new CommandLine(new SlipwayCommand()).setErr(new java.io.PrintWriter(new ByteArrayOutputStream(), true))
                .execute("rollback", "abc")).isEqualTo(2);
    }

    @Test
    void problemsAreReadFromTheirDocumentAndTheRoutersOwn404And405MeanUnsupported() {
        ApiProblem unknownApp = ApiClient.problem(404, new JsonObject().put("type", "https://slipway.dev/problems/not-found").put("title", "Not Found")
                .put("status", 404).put("detail", "you have no app with id 'x'").encode());
        assertThat(unknownApp.describe()).isEqualTo("you have no app with id 'x' (404 Not Found)");
        assertThat(unknownApp.slug()).isEqualTo("not-found");
        assertThat(unknownApp.routeMissing()).isFalse();

        assertThat(ApiClient.problem(404, "{\"title\":\"Not Found\",\"detail\":\"GET /api/x is not part of the API\"}").routeMissing()).isTrue();
        assertThat(ApiClient.problem(405, "{\"title\":\"Method Not Allowed\",\"detail\":\"PATCH … is not allowed\"}").routeMissing()).isTrue();
        assertThat(ApiClient.problem(502, "<html>Bad Gateway</html>").describe()).isEqualTo("<html>Bad Gateway</html> (502)");
    }

    @Test
    void aCommandWhoseRouteTheServerLacksSaysItIsNotSupportedThereYet() {
        ApiClient api = new ApiClient(new ClientConfig.Connection(URI.create("http://old-slipway:3000"), "t"));
        ApiProblem missing = ApiClient.problem(405, "{\"title\":\"Method Not Allowed\",\"detail\":\"PATCH /api/containers/servers/x is not allowed\"}");
        ApiProblem unknownApp = ApiClient.problem(404, "{\"title\":\"Not Found\",\"detail\":\"you have no app with id 'x'\"}");

        assertThatThrownBy(() -> ClientCommand.supported("env", api, () -> {
            throw missing;
        })).isInstanceOf(ApiProblem.class).hasMessage("the server at http://old-slipway:3000 does not support 'env' yet: "
                + "PATCH /api/containers/servers/x is not allowed");
        assertThatThrownBy(() -> ClientCommand.supported("env", api, () -> {
            throw unknownApp;
        })).isSameAs(unknownApp);
    }

    @Test
    void theConfigFileIsUnderXdgConfigHomeOrDotConfigAndTheVariablesOverrideIt() {
        assertThat(ClientConfig.ofEnvironment(Map.of("XDG_CONFIG_HOME", "/x", "HOME", "/h")).file()).isEqualTo(Path.of("/x/slipway/config.json"));
        assertThat(ClientConfig.ofEnvironment(Map.of("XDG_CONFIG_HOME", "relative", "HOME", "/h")).file()).isEqualTo(Path.of("/h/.config/slipway/config.json"));

        ClientConfig.ofEnvironment(Map.of("HOME", home.toString())).save(URI.create("http://saved:3000"), "saved-token");

        assertThat(ClientConfig.ofEnvironment(Map.of("HOME", home.toString())).connection())
                .isEqualTo(new ClientConfig.Connection(URI.create("http://saved:3000"), "saved-token"));
        assertThat(ClientConfig.ofEnvironment(Map.of("HOME", home.toString(), "SLIPWAY_TOKEN", "other")).connection())
                .isEqualTo(new ClientConfig.Connection(URI.create("http://saved:3000"), "other"));
        assertThat(ClientConfig.ofEnvironment(Map.of("HOME", home.toString(), "SLIPWAY_SERVER", "https://elsewhere/")).connection().server())
                .isEqualTo(URI.create("https://elsewhere"));
    }

    @Test
    void theSavedFileAndItsDirectoryAreTheOwnersAlone() throws Exception {
        ClientConfig config = ClientConfig.ofEnvironment(Map.of("XDG_CONFIG_HOME", home.toString()));
        config.save(URI.create("http://localhost:3000"), "t");

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(config.file()))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(config.file().getParent()))).isEqualTo("rwx------");
    }

    @Test
    void noServerAndAServerThatIsNoHttpUrlAreUsageErrors() {
        assertThatThrownBy(() -> ClientConfig.ofEnvironment(Map.of("HOME", home.toString())).connection())
                .isInstanceOf(UsageError.class).hasMessageContaining("./slipway login");
        assertThatThrownBy(() -> ClientConfig.serverUri("localhost:3000")).isInstanceOf(UsageError.class).hasMessageContaining("http://");
    }

    @Test
    void anEventStreamIsReadEventByEventSkippingCommentsAndJoiningDataLines() {
        String text = ": keep-alive\n\nid: 1\ndata: first\n\nevent: end\ndata: two\ndata:lines\n\ndata: never read\n\n";
        List<EventStream.Event> events = new ArrayList<>();

        new EventStream(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8))).read(event -> {
            events.add(event);
            return !event.type().equals("end");
        });

        assertThat(events).containsExactly(new EventStream.Event("message", "first"), new EventStream.Event("end", "two\nlines"));
    }

    @Test
    void buildProgressShowsLogLinesWithoutTheirInstantOnceEachSkippingThoseBeforeTheDeployAndAfterItsEnd() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        BuildProgress progress = new BuildProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8), false, "deploying a.js");
        Instant since = Instant.parse("2026-12-02T00:00:10Z");

        progress.line("2026-12-02T00:00:09.999Z [slipway] an earlier version", since);
        progress.line("2026-12-02T00:00:10.500Z [slipway] building a.js for node", since);
        // The final read of the whole log delivers again what the follow showed.
        progress.line("2026-12-02T00:00:10.500Z [slipway] building a.js for node", since);
        progress.line("2026-12-02T00:00:10.600Z [app] listening", since);
        progress.finish();
        progress.line("2026-12-02T00:00:11Z [slipway] after the end", since);

        assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo("deploying a.js …\n  [slipway] building a.js for node\n  [app] listening\n");
    }
}
