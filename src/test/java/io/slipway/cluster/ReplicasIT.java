package io.slipway.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.slipway.auth.SigningSecret;
import io.slipway.testing.SlipwayCli;
import io.slipway.testing.TestApps;
import io.slipway.testing.TestDatabase;
import io.slipway.testing.TestServer;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two replicas of Slipway, each with a data dir of its own, on one real (embedded) PostgreSQL database (DESIGN §5,
 * "Several replicas"): what they share through it. So far: the local token secret, so that a token either replica or
 * {@code ./slipway token} signs, both accept; and the apps, which either lists and describes.
 */
class ReplicasIT {
    @TempDir
    static Path work;
    static String databaseUrl;
    static TestServer a;
    static TestServer b;

    @BeforeAll
    static void startTwoReplicasOnOneDatabase() throws Exception {
        TestServer.openForSandboxes(work);
        databaseUrl = TestDatabase.freshPostgresUrl();
        a = TestServer.start(TestServer.config(Files.createDirectories(work.resolve("a"))).withDatabaseUrl(databaseUrl));
        b = TestServer.start(TestServer.config(Files.createDirectories(work.resolve("b"))).withDatabaseUrl(databaseUrl));
    }

    @AfterAll
    static void stop() {
        if (b != null) b.close();
        if (a != null) a.close();
    }

    @Test
    void aTokenEitherReplicaOrTheCommandLineSignsIsAcceptedByBoth() throws Exception {
        for (String token : List.of(a.token("alice"), b.token("bob"))) {
            assertThat(a.get("/api/mcp-projects", token).statusCode()).isEqualTo(200);
            assertThat(b.get("/api/mcp-projects", token).statusCode()).isEqualTo(200);
        }
        assertThat(Files.readString(SigningSecret.file(work.resolve("b")))).as("each data dir keeps the shared secret")
                .isEqualTo(Files.readString(SigningSecret.file(work.resolve("a"))));

        Path third = Files.createDirectories(work.resolve("cli-data"));
        SlipwayCli.Run run = SlipwayCli.run(work, Map.of("SLIPWAY_DATABASE_URL", databaseUrl, "SLIPWAY_DATA", third.toString()),
                "token", "--user", "carol");

        assertThat(run.exit()).as(run.stderr()).isZero();
        assertThat(run.stdout().lines()).as("only the token, for TOKEN=$(./slipway token …)").hasSize(1);
        assertThat(run.stderr()).contains("signed with the secret the replicas share through the database")
                .doesNotContain(TestDatabase.ROLE + ":" + TestDatabase.ROLE + "@");
        assertThat(a.get("/api/mcp-projects", run.lastLine()).statusCode()).isEqualTo(200);
        assertThat(b.get("/api/mcp-projects", run.lastLine()).statusCode()).isEqualTo(200);
    }

    @Test
    void anAppDeployedThroughOneReplicaIsListedAndDescribedByTheOther() {
        String dana = a.token("dana");
        String id = a.deploy(dana, "index.js", TestApps.source("hello.js"), Map.of("name", "shared")).getString("id");

        JsonObject listed = new JsonObject(b.get("/api/mcp-projects", dana).body());
        assertThat(listed.getJsonArray("projects").stream().map(p -> ((JsonObject) p).getString("id")).toList()).containsExactly(id);
        JsonObject described = b.server(dana, id);
        assertThat(described.getString("name")).isEqualTo("shared");
        assertThat(described.getString("status")).as("the status replica A stored").isEqualTo("running");
    }
}
