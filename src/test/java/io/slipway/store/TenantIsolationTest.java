package io.slipway.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.slipway.app.App;
import io.slipway.app.AppStatus;
import io.slipway.app.Language;
import io.slipway.metering.ToolStats;
import io.slipway.metering.Usage;
import io.slipway.metering.UsageStore;
import io.slipway.store.ApiKeyStore.ApiKey;
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

/**
 * Every store's user-scoped methods, with two users' rows in every table: each user sees and changes only their own.
 * On SQLite and on PostgreSQL (where row-level security is a second wall; {@link RowLevelSecurityTest} tests it alone).
 */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class TenantIsolationTest {
    static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");

    @Parameter
    TestDatabase kind;
    @TempDir
    Path dir;
    Database database;
    AppStore apps;
    ApiKeyStore keys;
    UsageStore usage;
    UserStore users;

    @BeforeEach
    void twoUsersWithARowInEveryTable() {
        database = kind.open(dir);
        apps = new AppStore(database, new io.slipway.secrets.EnvCipher(io.slipway.secrets.EnvKey.random(), java.util.List.of()));
        keys = new ApiKeyStore(database);
        usage = new UsageStore(database);
        users = new UserStore(database);
        for (String user : List.of("alice", "bob")) {
            apps.insert(app(user + "-app", user));
            keys.insert(new ApiKey(user + "-key", user + "-app", user, "ci", "hash-" + user, NOW));
            usage.add(user + "-app", user, NOW, new Usage(1230, 4, 100, 2000));
            users.setPlan(user, "pro", "admin", NOW);
        }
    }

    @AfterEach
    void close() {
        database.close();
    }

    @Test
    void appsAreSeenListedCountedUpdatedAndDeletedOnlyByTheirOwner() {
        assertThat(apps.list("alice")).extracting(App::id).containsExactly("alice-app");
        assertThat(apps.find("alice", "bob-app")).isEmpty();
        assertThat(apps.count("alice")).isEqualTo(1);
        assertThat(apps.update(app("bob-app", "alice"))).isFalse();
        assertThat(apps.delete("alice", "bob-app")).isFalse();
        assertThat(apps.find("bob", "bob-app")).get().extracting(App::owner).isEqualTo("bob");
    }

    @Test
    void keysAreListedAndRevokedOnlyByTheirOwner() {
        assertThat(keys.list("alice", "bob-app")).isEmpty();
        assertThat(keys.delete("alice", "bob-app", "bob-key")).isEmpty();
        assertThat(keys.list("bob", "bob-app")).extracting(ApiKey::id).containsExactly("bob-key");
    }

    @Test
    void usageIsReadOnlyByItsOwnerAndAddsUpInUnitsAndBytes() {
        usage.add("alice-app", "alice", NOW, new Usage(15, 1, 1, 1));
        assertThat(usage.forOwner("alice", "2026-11")).containsExactly(new UsageStore.Row("alice-app", "2026-11", 124, 5, 101, 2001));
        assertThat(usage.forOwner("bob", "2026-11")).extracting(UsageStore.Row::appId).containsExactly("bob-app");
        assertThat(usage.activeUnitsByOwner("2026-11")).containsExactlyInAnyOrderEntriesOf(Map.of("alice", 124L, "bob", 123L));
    }

    @Test
    void toolUseIsReadOnlyByItsOwnerAndAddsUpPerTool() {
        var tools = new io.slipway.metering.ToolUsageStore(database);
        for (String user : List.of("alice", "bob")) tools.add(user + "-app", user, NOW, Map.of("add", new ToolStats(2, 1, 1500)));
        tools.add("alice-app", "alice", NOW, Map.of("add", new ToolStats(1, 0, 500), "search", new ToolStats(1, 1, 10)));

        assertThat(tools.forOwner("alice", "2026-11")).containsExactly(Map.entry("alice-app",
                Map.of("add", new ToolStats(3, 1, 2000), "search", new ToolStats(1, 1, 10))));
        assertThat(tools.forOwner("bob", "2026-12")).isEmpty();
        assertThat(tools.callsByOwner("2026-11")).containsExactlyInAnyOrderEntriesOf(Map.of("alice", 4L, "bob", 2L));
        assertThat(tools.namesByApp("2026-11")).containsExactlyInAnyOrderEntriesOf(Map.of("alice-app", java.util.Set.of("add", "search"),
                "bob-app", java.util.Set.of("add")));
    }

    @Test
    void aUserReadsOnlyTheirOwnRowAndAnAdminChangeReplacesThePlan() {
        assertThat(users.find("alice")).get().extracting(UserStore.User::plan).isEqualTo("pro");
        users.setPlan("alice", "free", "root", NOW.plusSeconds(5));
        assertThat(users.find("alice")).get().satisfies(u -> {
            assertThat(u.plan()).isEqualTo("free");
            assertThat(u.updatedBy()).isEqualTo("root");
            assertThat(u.createdAt()).isEqualTo(NOW);
        });
        assertThat(users.find("bob")).get().extracting(UserStore.User::plan).isEqualTo("pro");
        assertThat(users.list()).extracting(UserStore.User::id).containsExactly("alice", "bob");
    }

    @Test
    void aPlanChangeMovesOnlyThatOwnersApps() {
        assertThat(apps.setPlan("alice", "free")).extracting(App::plan).containsExactly("free");
        assertThat(apps.find("bob", "bob-app")).get().extracting(App::plan).isEqualTo("pro");
    }

    @Test
    void theLifecycleSeesEveryOwnersApps() {
        assertThat(apps.listAll()).extracting(App::id).containsExactlyInAnyOrder("alice-app", "bob-app");
        assertThat(apps.findById("bob-app")).isPresent();
        assertThat(keys.listAll()).hasSize(2);
    }

    static App app(String id, String owner) {
        return new App(id, owner, "name-" + id, Language.NODE, "index.mjs", List.of(), Duration.ofMinutes(10), Map.of(),
                AppStatus.READY, null, "c0de", null, false, false, "pro", NOW, NOW, null, App.DEFAULT_HEALTH_PATH,
                io.slipway.app.Transport.HTTP, App.MCP_AUTO);
    }
}
