package io.slipway.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.slipway.cli.SlipwayCommand;
import io.slipway.secrets.EnvKey;
import io.slipway.secrets.KeyFile;
import io.slipway.testing.TestApps;
import io.slipway.testing.TestServer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Issue 19, secrets at rest, through a real Slipway: an app's env value reaches the app, and no file under the data
 * dir (database, its log, apps' logs, builds, keys) holds it in plain text, before or after a key rotation, nor after
 * a row written before encryption is sealed at start.
 */
class SecretsAtRestIT {
    private final String secret = "sk-live-" + UUID.randomUUID();

    @Test
    void anEnvValueReachesTheAppAndNoFileUnderTheDataDirHoldsItThroughARotation(@TempDir Path data) throws Exception {
        String id;
        try (TestServer server = TestServer.start(data)) {
            String alice = server.token("alice");
            JsonObject deployed = server.deploy(alice, "index.js", TestApps.source("hello.js"),
                    Map.of("env", new JsonObject().put("GREETING", secret).encode()));
            id = deployed.getString("id");

            assertThat(greeting(server, id)).isEqualTo(secret);
            // The app has it in its environment, but no command line on the host (ps) shows it.
            assertThat(commandLinesHolding(secret)).isEmpty();
            assertThat(deployed.getJsonArray("envKeys").getList()).containsExactly("GREETING");
            assertThat(deployed.encode()).doesNotContain(secret);
            assertThat(server.get("/api/mcp-projects", alice).body()).contains("GREETING").doesNotContain(secret);
            assertThat(filesHolding(data, secret)).isEmpty();
        }
        assertThat(filesHolding(data, secret)).isEmpty();
        EnvKey before = KeyFile.current(data).read().orElseThrow();

        int exit = new CommandLine(new SlipwayCommand()).execute("secrets", "rotate", "--data", data.toString());

        assertThat(exit).isZero();
        EnvKey after = KeyFile.current(data).read().orElseThrow();
        assertThat(after.id()).isNotEqualTo(before.id());
        assertThat(KeyFile.next(data).path()).doesNotExist();
        assertThat(envColumn(data, id)).startsWith("enc:v1:" + after.id() + ":");
        try (TestServer server = TestServer.start(data)) {
            assertThat(greeting(server, id)).isEqualTo(secret);
        }
        assertThat(filesHolding(data, secret)).isEmpty();
    }

    @Test
    void plainTextEnvWrittenBeforeEncryptionIsSealedAtStartAndLeavesNoTrace(@TempDir Path data) throws Exception {
        String id;
        try (TestServer server = TestServer.start(data)) {
            id = server.deploy(server.token("alice"), "index.js", TestApps.source("hello.js"), Map.of()).getString("id");
        }
        // What a Slipway from before encryption left in the row.
        setEnvColumn(data, id, new JsonObject().put("GREETING", secret).encode());
        assertThat(filesHolding(data, secret)).isNotEmpty();

        try (TestServer server = TestServer.start(data)) {
            assertThat(envColumn(data, id)).startsWith("enc:v1:");
            assertThat(filesHolding(data, secret)).isEmpty();
            assertThat(greeting(server, id)).isEqualTo(secret);
        }
        assertThat(filesHolding(data, secret)).isEmpty();
    }

    private static String greeting(TestServer server, String id) {
        return new JsonObject(server.call(id, "/").body()).getString("greeting");
    }

    /** The host's processes whose command line holds {@code value}, as {@code ps} would show them. */
    private static List<String> commandLinesHolding(String value) throws IOException {
        List<String> found = new java.util.ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path proc : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    String cmdline = Files.readString(proc.resolve("cmdline"), StandardCharsets.UTF_8);
                    if (cmdline.contains(value)) found.add(proc.getFileName() + ": " + cmdline.replace('\0', ' '));
                } catch (IOException gone) {
                    // The process ended while the list was read: it shows nothing any more.
                }
            }
        }
        return found;
    }

    /** Every regular file under {@code dir}, binary ones included, whose bytes hold {@code value}'s UTF-8. */
    static List<Path> filesHolding(Path dir, String value) throws IOException {
        byte[] needle = value.getBytes(StandardCharsets.UTF_8);
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).filter(file -> holds(file, needle)).toList();
        }
    }

    private static boolean holds(Path file, byte[] needle) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot read " + file + " to look for the env value", e);
        }
        outer:
        for (int i = 0; i + needle.length <= bytes.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (bytes[i + j] != needle[j]) continue outer;
            }
            return true;
        }
        return false;
    }

    private static String envColumn(Path data, String id) throws Exception {
        try (Connection c = sqlite(data); PreparedStatement s = c.prepareStatement("SELECT env FROM mcp_servers WHERE id = ?")) {
            s.setString(1, id);
            try (var rs = s.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return rs.getString(1);
            }
        }
    }

    private static void setEnvColumn(Path data, String id, String env) throws Exception {
        try (Connection c = sqlite(data); PreparedStatement s = c.prepareStatement("UPDATE mcp_servers SET env = ? WHERE id = ?")) {
            s.setString(1, env);
            s.setString(2, id);
            assertThat(s.executeUpdate()).isEqualTo(1);
        }
    }

    private static Connection sqlite(Path data) throws java.sql.SQLException {
        return DriverManager.getConnection("jdbc:sqlite:" + data.resolve("db").resolve("slipway.db"));
    }
}
