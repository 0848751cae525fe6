package io.slipway.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.slipway.app.App;
import io.slipway.app.AppStatus;
import io.slipway.app.Language;
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

/** The apps table, on a real SQLite file and on a real PostgreSQL, each migrated by Flyway. */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class AppStoreTest {
    @Parameter
    TestDatabase kind;
    @TempDir
    Path dir;
    Database database;
    AppStore store;

    @BeforeEach
    void open() {
        database = kind.open(dir);
        store = new AppStore(database, new io.slipway.secrets.EnvCipher(io.slipway.secrets.EnvKey.random(), java.util.List.of()));
    }

    @AfterEach
    void close() {
        database.close();
    }

    @Test
    void appRoundTripsWithEveryField() {
        App app = app("a1", "alice", Instant.parse("2026-01-01T00:00:00Z"));
        store.insert(app);
        assertThat(store.find("alice", "a1")).contains(app);
    }

    @Test
    void everyOwnerScopedQuerySeesOnlyThatOwnersRows() {
        store.insert(app("a1", "alice", Instant.parse("2026-01-01T00:00:00Z")));
        store.insert(app("b1", "bob", Instant.parse("2026-01-02T00:00:00Z")));

        assertThat(store.find("bob", "a1")).isEmpty();
        assertThat(store.list("bob")).extracting(App::id).containsExactly("b1");
        assertThat(store.delete("bob", "a1")).isFalse();
        assertThat(store.update(app("a1", "bob", Instant.now()))).isFalse();
        assertThat(store.find("alice", "a1")).isPresent();
    }

    @Test
    void listIsNewestFirst() {
        store.insert(app("old", "alice", Instant.parse("2026-01-01T00:00:00Z")));
        store.insert(app("new", "alice", Instant.parse("2026-02-01T00:00:00Z")));
        assertThat(store.list("alice")).extracting(App::id).containsExactly("new", "old");
    }

    @Test
    void afterARestartRunningAndStartingAppsAreSleepingAndFailedOnesKeepTheirReason() {
        store.insert(app("r", "alice", Instant.now()).withStatus(AppStatus.RUNNING, null, Instant.now()));
        store.insert(app("f", "alice", Instant.now()).withStatus(AppStatus.FAILED, "exited with code 1", Instant.now()));

        assertThat(store.sleepAllAfterRestart(Instant.now())).isEqualTo(1);
        assertThat(store.find("alice", "r").orElseThrow().status()).isEqualTo(AppStatus.SLEEPING);
        assertThat(store.find("alice", "f").orElseThrow().error()).isEqualTo("exited with code 1");
    }

    private static App app(String id, String owner, Instant created) {
        return new App(id, owner, "name-" + id, Language.NODE, "index.mjs", List.of("cors", "express@5"), Duration.ofMinutes(10),
                Map.of("A", "b"), AppStatus.READY, null, "c0de", "d3p5", true, true, "pro", created, created, null, "/healthz?probe=1",
                io.slipway.app.Transport.STDIO, "/api/mcp");
    }
}
