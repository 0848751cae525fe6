package io.slipway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.slipway.testing.SlipwayCli;
import io.slipway.testing.SlipwayCli.Run;
import io.slipway.testing.SlipwayProcess;
import io.slipway.testing.TestServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./slipway} as a user runs it: {@code token} reads the same configuration as {@code up} and says which secret
 * it signed with, a mistake in the configuration is named where it was made, and help and unknown commands behave as
 * DESIGN §7 says.
 */
class CommandLineIT {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @TempDir
    static Path work;
    static Path data;
    static SlipwayProcess server;

    @BeforeAll
    static void up() {
        TestServer.openForSandboxes(work);
        data = work.resolve("data");
        // A server run with --data X, as in the report; and with a misspelt variable, which it must name at start.
        server = SlipwayProcess.up(data, Map.of("SLIPWAY_INSTANCES_IDLE_CHEK_INTERVAL", "1s"));
    }

    @AfterAll
    static void down() throws Exception {
        if (server != null) server.close();
    }

    @Test
    void aTokenSignedWithTheDataDirOfSlipwayDataIsAcceptedByTheServerOnItAndSaysWhichSecretItUsed() throws Exception {
        Run run = slipway(Map.of("SLIPWAY_DATA", data.toString()), "token", "--user", "alice");

        assertThat(run.exit()).as(run.stderr()).isZero();
        assertThat(answerTo(run.lastLine())).isEqualTo(200);
        assertThat(run.stderr()).contains("slipway: signed with " + secret(data) + " (data dir from SLIPWAY_DATA)");
    }

    @Test
    void aTokenSignedWithTheDataDirOfTheConfigFileIsAcceptedByTheServerOnIt() throws Exception {
        Path yaml = Files.writeString(work.resolve("token.yaml"), "data: " + data + "\n");

        Run run = slipway(Map.of(), "token", "--user", "bob", "--config", yaml.toString());

        assertThat(run.exit()).as(run.stderr()).isZero();
        assertThat(answerTo(run.lastLine())).isEqualTo(200);
        assertThat(run.stderr()).contains("slipway: signed with " + secret(data) + " (data dir from " + yaml + ")");
    }

    @Test
    void theDataFlagWinsOverTheVariableAndTheFile() throws Exception {
        Path elsewhere = Files.createDirectories(work.resolve("elsewhere"));
        Path yaml = Files.writeString(work.resolve("elsewhere.yaml"), "data: " + elsewhere.resolve("from-file") + "\n");

        Run run = slipway(Map.of("SLIPWAY_DATA", elsewhere.resolve("from-variable").toString()),
                "token", "--user", "carol", "--config", yaml.toString(), "--data", data.toString());

        assertThat(run.exit()).as(run.stderr()).isZero();
        assertThat(answerTo(run.lastLine())).isEqualTo(200);
        assertThat(run.stderr()).contains("(data dir from --data)");
        assertThat(elsewhere.resolve("from-file")).doesNotExist();
        assertThat(elsewhere.resolve("from-variable")).doesNotExist();
    }

    @Test
    void aTokenForAConfigurationThatRefusesLocalTokensSaysSo() throws Exception {
        Run run = slipway(Map.of("SLIPWAY_DATA", data.toString(), "SLIPWAY_AUTH_LOCAL_TOKENS", "false",
                "SLIPWAY_AUTH_JWKS_URL", "https://idp.example/jwks", "SLIPWAY_AUTH_ISSUER", "https://idp.example/",
                "SLIPWAY_AUTH_AUDIENCE", "slipway"), "token", "--user", "dave");

        assertThat(run.exit()).as(run.stderr()).isZero();
        assertThat(run.lastLine()).matches("[\\w-]+\\.[\\w-]+\\.[\\w-]+");
        assertThat(run.stderr()).contains("auth.localTokens is false (from SLIPWAY_AUTH_LOCAL_TOKENS)")
                .contains("refuses this token");
    }

    @Test
    void tokenNamesAMisspeltVariable() throws Exception {
        Run run = slipway(Map.of("SLIPWAY_DAT", "/nowhere"), "token", "--user", "erin", "--data", data.toString());

        assertThat(run.exit()).as(run.stderr()).isZero();
        assertThat(run.stderr()).contains("SLIPWAY_DAT is set but names no configuration key, so it is ignored (did you mean SLIPWAY_DATA?)");
        assertThat(answerTo(run.lastLine())).isEqualTo(200);
    }

    @Test
    void tokenRefusesAnInvalidConfigurationNamingTheKeyAndItsSource() throws Exception {
        Run run = slipway(Map.of("SLIPWAY_DATA", data.toString(), "SLIPWAY_AUTH_LOCAL_TOKENS", "yes"), "token", "--user", "frank");

        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.stdout()).isEmpty();
        assertThat(run.stderr()).contains(
                "slipway: invalid configuration: auth.localTokens = 'yes' (from SLIPWAY_AUTH_LOCAL_TOKENS): must be true or false");
    }

    @Test
    void upNamesAMisspeltVariableAtStart() {
        assertThat(server.output()).anyMatch(line -> line.contains("WARN") && line.contains("SLIPWAY_INSTANCES_IDLE_CHEK_INTERVAL is set "
                + "but names no configuration key, so it is ignored (did you mean SLIPWAY_INSTANCES_IDLE_CHECK_INTERVAL?)"));
    }

    @Test
    void upRefusesAnInvalidValueNamingTheKeyAndItsSource() throws Exception {
        Run run = slipway(Map.of("SLIPWAY_PROXY_IDLE_TIMEOUT", "forever"), "up", "--port", "0", "--data", work.resolve("never").toString());

        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.stderr()).contains("slipway: invalid configuration: proxy.idleTimeout = 'forever' (from SLIPWAY_PROXY_IDLE_TIMEOUT): "
                + "not a duration");
    }

    @Test
    void helpOfEachCommandExitsZero() throws Exception {
        Run up = slipway(Map.of(), "up", "--help");
        assertThat(up.exit()).as(up.stderr()).isZero();
        assertThat(up.stdout()).contains("--port", "--data", "--config", "--unsafe-no-sandbox");

        Run token = slipway(Map.of(), "token", "--help");
        assertThat(token.exit()).as(token.stderr()).isZero();
        assertThat(token.stdout()).contains("--user", "--data", "--config");
    }

    @Test
    void noCommandHelpAndDashDashHelpPrintUsageAndExitZero() throws Exception {
        for (List<String> args : List.of(List.<String>of(), List.of("help"), List.of("--help"))) {
            Run run = slipway(Map.of(), args.toArray(String[]::new));
            assertThat(run.exit()).as("./slipway %s", args).isZero();
            assertThat(run.stdout()).as("./slipway %s", args).contains("./slipway up", "./slipway token");
        }
    }

    @Test
    void anUnknownCommandPrintsUsageOnStderrAndExitsTwo() throws Exception {
        Run run = slipway(Map.of(), "nonsense");

        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.stdout()).isEmpty();
        assertThat(run.stderr()).contains("unknown command 'nonsense'", "./slipway up", "./slipway token");
    }

    private static Path secret(Path dataDir) {
        return dataDir.toAbsolutePath().normalize().resolve("secrets/jwt.key");
    }

    /** The status the running server answers a call to the API with {@code token}. */
    private static int answerTo(String token) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(server.base() + "/api/mcp-projects"))
                .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString())
                .statusCode();
    }

    private static Run slipway(Map<String, String> env, String... args) {
        return SlipwayCli.run(work, env, args);
    }
}
