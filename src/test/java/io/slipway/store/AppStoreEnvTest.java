package io.slipway.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.slipway.app.App;
import io.slipway.app.AppStatus;
import io.slipway.app.Language;
import io.slipway.secrets.EnvCipher;
import io.slipway.secrets.EnvKey;
import io.slipway.testing.TestDatabase;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** Apps' env in the {@code mcp_servers} table: sealed on every write, on a real SQLite file and a real PostgreSQL. */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class AppStoreEnvTest {
    private static final String SECRET = "hunter2-" + java.util.UUID.randomUUID();

    @Parameter
    TestDatabase kind;
    @TempDir
    Path dir;
    Database database;
    EnvKey key = EnvKey.random();
    AppStore store;

    @BeforeEach
    void open() {
        database = kind.open(dir);
        store = new AppStore(database, new EnvCipher(key, List.of()));
    }

    @AfterEach
    void close() {
        database.close();
    }

    @Test
    void envIsStoredSealedAndReadBackAsWritten() {
        store.insert(app("a1", Map.of("TOKEN", SECRET, "MODE", "prod")));
        store.update(app("a1", Map.of("TOKEN", SECRET + "-2")));

        assertThat(column("a1")).startsWith("enc:v1:" + key.id() + ":").doesNotContain(SECRET).doesNotContain("TOKEN");
        assertThat(store.find("alice", "a1").orElseThrow().env()).containsExactly(Map.entry("TOKEN", SECRET + "-2"));
        assertThat(store.findById("a1").orElseThrow().env()).containsEntry("TOKEN", SECRET + "-2");
        if (kind == TestDatabase.SQLITE) {
            // What a row held before is zeroed where SQLite frees it, not left in the file.
            assertThat(database.<Integer, RuntimeException>asSystem(h -> h.createQuery("PRAGMA secure_delete").mapTo(Integer.class).one())).isEqualTo(1);
        }
    }

    @Test
    void plainTextFromBeforeEncryptionIsReadAndThenSealedOnce() {
        store.insert(app("a1", Map.of("TOKEN", SECRET)));
        store.insert(app("a2", Map.of()));
        setColumn("a1", "{\"TOKEN\":\"" + SECRET + "\"}");
        setColumn("a2", "{}");
        assertThat(store.find("alice", "a1").orElseThrow().env()).containsEntry("TOKEN", SECRET);

        assertThat(store.sealAll()).isEqualTo(2);

        assertThat(column("a1")).startsWith("enc:v1:").doesNotContain(SECRET);
        assertThat(column("a2")).startsWith("enc:v1:");
        assertThat(store.find("alice", "a1").orElseThrow().env()).containsEntry("TOKEN", SECRET);
        assertThat(store.sealAll()).isZero();
    }

    @Test
    void rowsSealedWithAPreviousKeyAreResealedWithTheCurrentOne() {
        store.insert(app("a1", Map.of("TOKEN", SECRET)));
        EnvKey next = EnvKey.random();
        AppStore rotated = new AppStore(database, new EnvCipher(next, List.of(key)));

        assertThat(rotated.find("alice", "a1").orElseThrow().env()).containsEntry("TOKEN", SECRET);
        assertThat(rotated.sealAll()).isEqualTo(1);

        assertThat(column("a1")).startsWith("enc:v1:" + next.id() + ":");
        assertThat(new AppStore(database, new EnvCipher(next, List.of())).find("alice", "a1").orElseThrow().env())
                .containsEntry("TOKEN", SECRET);
    }

    @Test
    void envCopiedIntoAnotherAppsRowDoesNotOpenThere() {
        store.insert(app("a1", Map.of("TOKEN", SECRET)));
        store.insert(app("a2", Map.of()));
        setColumn("a2", column("a1"));

        assertThatThrownBy(() -> store.find("alice", "a2")).isInstanceOf(EnvCipher.UnreadableEnv.class)
                .hasMessageContaining("a2").hasMessageNotContaining(SECRET);
    }

    @Test
    void aRowNoKeyOpensStopsSealingAndChangesNothing() {
        store.insert(app("a1", Map.of("TOKEN", SECRET)));
        store.insert(app("a2", Map.of("TOKEN", SECRET)));
        setColumn("a1", "{\"TOKEN\":\"plain\"}");
        AppStore withoutTheKey = new AppStore(database, new EnvCipher(EnvKey.random(), List.of()));

        assertThatThrownBy(withoutTheKey::sealAll).isInstanceOf(EnvCipher.UnreadableEnv.class).hasMessageContaining(key.id());
        assertThat(column("a1")).isEqualTo("{\"TOKEN\":\"plain\"}");
    }

    private String column(String id) {
        return database.asSystem(h -> h.createQuery("SELECT env FROM mcp_servers WHERE id = :id").bind("id", id).mapTo(String.class).one());
    }

    private void setColumn(String id, String value) {
        database.asSystem(h -> h.createUpdate("UPDATE mcp_servers SET env = :env WHERE id = :id").bind("id", id).bind("env", value).execute());
    }

    private static App app(String id, Map<String, String> env) {
        Instant at = Instant.parse("2026-01-01T00:00:00Z");
        return new App(id, "alice", "name-" + id, Language.NODE, "index.mjs", List.of(), Duration.ofMinutes(10), env, AppStatus.READY,
                null, "c0de", null, false, false, "free", at, at, null, "/", io.slipway.app.Transport.HTTP, "auto");
    }
}
