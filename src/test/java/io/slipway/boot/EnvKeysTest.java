package io.slipway.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.slipway.app.App;
import io.slipway.app.AppStatus;
import io.slipway.app.Language;
import io.slipway.config.SecretSettings;
import io.slipway.secrets.EnvCipher;
import io.slipway.secrets.EnvKey;
import io.slipway.secrets.KeyFile;
import io.slipway.store.AppStore;
import io.slipway.store.ClusterStore;
import io.slipway.store.Database;
import io.slipway.testing.TestDatabase;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Which keys seal apps' env, and their rotation: a generated key in the data dir (SQLite) or shared by replicas through
 * the database (PostgreSQL), the operator's key, and rotations from one to the next, cut short or not.
 */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class EnvKeysTest {
    private static final SecretSettings GENERATED = SecretSettings.generated();

    @Parameter
    TestDatabase kind;
    @TempDir
    Path data;
    @TempDir
    Path otherData;
    Database database;

    @BeforeEach
    void open() {
        database = kind.open(data);
    }

    @AfterEach
    void close() {
        database.close();
    }

    @Test
    void generatedKeyIsCreatedOnceAndKeptApartOrSharedByReplicas() {
        EnvKey first = EnvKeys.of(GENERATED, database, data).cipher().current();

        assertThat(EnvKeys.of(GENERATED, database, data).cipher().current()).isEqualTo(first);
        if (kind == TestDatabase.SQLITE) {
            assertThat(KeyFile.current(data).read()).contains(first);
        } else {
            // Another replica, with a data dir of its own, seals and opens with the same key.
            assertThat(EnvKeys.of(GENERATED, database, otherData).cipher().current()).isEqualTo(first);
            assertThat(KeyFile.current(data).path()).doesNotExist();
        }
    }

    @Test
    void rotatingTheGeneratedKeyResealsEveryRowAndRetiresTheOldKey() {
        AppStore store = EnvKeys.of(GENERATED, database, data).store();
        store.insert(app("a1", "one"));
        store.insert(app("a2", "two"));
        EnvKey old = EnvKeys.of(GENERATED, database, data).cipher().current();

        EnvKeys.Rotation rotation = EnvKeys.of(GENERATED, database, data).rotate();

        assertThat(rotation.rows()).isEqualTo(2);
        assertThat(rotation.retired()).containsExactly(old.id());
        EnvCipher after = EnvKeys.of(GENERATED, database, data).cipher();
        assertThat(after.keyIds()).containsExactly(rotation.to()).doesNotContain(old.id());
        assertThat(new AppStore(database, after).find("alice", "a2").orElseThrow().env()).containsEntry("TOKEN", "two");
        AppStore oldKeyOnly = new AppStore(database, new EnvCipher(old, List.of()));
        assertThatThrownBy(() -> oldKeyOnly.find("alice", "a1")).isInstanceOf(EnvCipher.UnreadableEnv.class);
        assertThat(nextKey()).isEmpty();
    }

    @Test
    void aRotationCutShortIsFinishedByTheNextStart() {
        EnvKeys.of(GENERATED, database, data).store().insert(app("a1", "one"));
        EnvKey next = EnvKey.random();
        // What a rotation that crashed before sealing any row leaves: its new key, pending.
        if (kind == TestDatabase.SQLITE) {
            KeyFile.next(data).write(next);
        } else {
            new ClusterStore(database).putSecret("env.next", next.hex());
        }

        AppStore store = EnvKeys.of(GENERATED, database, data).store();

        assertThat(store.find("alice", "a1").orElseThrow().env()).containsEntry("TOKEN", "one");
        assertThat(nextKey()).isEmpty();
        assertThat(EnvKeys.of(GENERATED, database, data).cipher().keyIds()).containsExactly(next.id());
        assertThat(new AppStore(database, new EnvCipher(next, List.of())).find("alice", "a1")).isPresent();
    }

    @Test
    void theOperatorsKeyTakesOverFromTheGeneratedOneWhichRotateThenDeletes() {
        EnvKeys.of(GENERATED, database, data).store().insert(app("a1", "one"));
        EnvKey operators = EnvKey.random();
        SecretSettings given = new SecretSettings(Optional.of(operators), List.of());

        AppStore store = EnvKeys.of(given, database, data).store();
        EnvKeys.Rotation rotation = EnvKeys.of(given, database, data).rotate();

        assertThat(store.find("alice", "a1").orElseThrow().env()).containsEntry("TOKEN", "one");
        assertThat(rotation.to()).isEqualTo(operators.id());
        assertThat(rotation.rows()).isZero();
        assertThat(KeyFile.current(data).path()).doesNotExist();
        assertThat(new ClusterStore(database).secret("env")).isEmpty();
        assertThat(new AppStore(database, new EnvCipher(operators, List.of())).find("alice", "a1")).isPresent();
    }

    @Test
    void rotatingTheOperatorsKeyNeedsThePreviousOneOnlyUntilEveryRowIsResealed() {
        EnvKey k1 = EnvKey.random();
        EnvKey k2 = EnvKey.random();
        EnvKeys.of(new SecretSettings(Optional.of(k1), List.of()), database, data).store().insert(app("a1", "one"));
        assertThatThrownBy(() -> EnvKeys.of(new SecretSettings(Optional.of(k2), List.of()), database, data).store())
                .isInstanceOf(EnvCipher.UnreadableEnv.class).hasMessageContaining(k1.id());

        EnvKeys.Rotation rotation = EnvKeys.of(new SecretSettings(Optional.of(k2), List.of(k1)), database, data).rotate();

        assertThat(rotation.rows()).isEqualTo(1);
        assertThat(rotation.retired()).containsExactly(k1.id());
        AppStore k2Only = EnvKeys.of(new SecretSettings(Optional.of(k2), List.of()), database, data).store();
        assertThat(k2Only.find("alice", "a1").orElseThrow().env()).containsEntry("TOKEN", "one");
    }

    private Optional<EnvKey> nextKey() {
        return kind == TestDatabase.SQLITE ? KeyFile.next(data).read()
                : new ClusterStore(database).secret("env.next").map(hex -> EnvKey.parse(hex, "env.next"));
    }

    static App app(String id, String token) {
        Instant at = Instant.parse("2026-01-01T00:00:00Z");
        return new App(id, "alice", "name-" + id, Language.NODE, "index.mjs", List.of(), Duration.ofMinutes(10), Map.of("TOKEN", token),
                AppStatus.READY, null, "c0de", null, false, false, "free", at, at, null, "/", io.slipway.app.Transport.HTTP, "auto");
    }
}
