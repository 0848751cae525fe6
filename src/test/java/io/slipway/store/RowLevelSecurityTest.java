package io.slipway.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.slipway.metering.ToolStats;
import io.slipway.metering.ToolUsageStore;
import io.slipway.metering.Usage;
import io.slipway.metering.UsageStore;
import io.slipway.store.ApiKeyStore.ApiKey;
import io.slipway.testing.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL's own wall between users, tested with plain SQL on a plain JDBC connection as Slipway's role: a query
 * that names no owner at all still returns only the current user's rows, or none when no user is set.
 */
class RowLevelSecurityTest {
    static final List<String> TENANT_TABLES = List.of("mcp_servers", "app_api_keys", "app_usage", "users", "mcp_records", "tool_usage",
            "app_sources", "app_versions");

    String url;
    Database database;

    @BeforeEach
    void aliceAndBobHaveARowInEveryTable() {
        url = TestDatabase.freshPostgresUrl();
        database = Database.openPostgres(url);
        Instant now = TenantIsolationTest.NOW;
        new AppStore(database, new io.slipway.secrets.EnvCipher(io.slipway.secrets.EnvKey.random(), java.util.List.of())).insert(TenantIsolationTest.app("alice-app", "alice"));
        new AppStore(database, new io.slipway.secrets.EnvCipher(io.slipway.secrets.EnvKey.random(), java.util.List.of())).insert(TenantIsolationTest.app("bob-app", "bob"));
        new ApiKeyStore(database).insert(new ApiKey("alice-key", "alice-app", "alice", "ci", "h1", now));
        new ApiKeyStore(database).insert(new ApiKey("bob-key", "bob-app", "bob", "ci", "h2", now));
        new UsageStore(database).add("alice-app", "alice", now, new Usage(100, 1, 0, 0));
        new UsageStore(database).add("bob-app", "bob", now, new Usage(100, 1, 0, 0));
        new UserStore(database).setPlan("alice", "pro", "root", now);
        new UserStore(database).setPlan("bob", "pro", "root", now);
        new McpRecordStore(database).put("alice-app", "alice", "v1", "", now);
        new McpRecordStore(database).put("bob-app", "bob", "v1", "", now);
        new ToolUsageStore(database).add("alice-app", "alice", now, java.util.Map.of("add", new ToolStats(1, 0, 5)));
        new ToolUsageStore(database).add("bob-app", "bob", now, java.util.Map.of("add", new ToolStats(1, 1, 5)));
        new SourceStore(database).put("alice-app", "alice", "c1", "index.js", "alice's".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        new SourceStore(database).put("bob-app", "bob", "c1", "index.js", "bob's".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        new VersionStore(database).record(TenantIsolationTest.app("alice-app", "alice"), null, now);
        new VersionStore(database).record(TenantIsolationTest.app("bob-app", "bob"), null, now);
    }

    @AfterEach
    void close() {
        database.close();
    }

    @Test
    void unscopedSelectsAsOneUserReturnNoneOfTheOthersRows() throws SQLException {
        try (Connection c = TestDatabase.connectAsRole(url)) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("SELECT set_config('slipway.user', 'alice', true)");
                for (String table : TENANT_TABLES) {
                    String column = table.equals("users") ? "id" : "owner";
                    assertThat(column(s, "SELECT " + column + " FROM " + table)).as(table).containsOnly("alice").isNotEmpty();
                    assertThat(column(s, "SELECT " + column + " FROM " + table + " WHERE " + column + " = 'bob'")).as(table).isEmpty();
                }
                assertThat(s.executeUpdate("DELETE FROM mcp_servers")).isEqualTo(1);
                assertThat(s.executeUpdate("UPDATE app_usage SET active_units = 0")).isEqualTo(1);
            }
            c.rollback();
        }
    }

    @Test
    void aConnectionThatSetNoUserSeesNoTenantRowAtAll() throws SQLException {
        try (Connection c = TestDatabase.connectAsRole(url); Statement s = c.createStatement()) {
            for (String table : TENANT_TABLES) {
                assertThat(column(s, "SELECT COUNT(*) FROM " + table)).as(table).containsExactly("0");
            }
        }
    }

    @Test
    void oneUserCannotWriteARowForAnother() throws SQLException {
        try (Connection c = TestDatabase.connectAsRole(url)) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("SELECT set_config('slipway.user', 'alice', true)");
                assertThatThrownBy(() -> s.executeUpdate("INSERT INTO users (id, plan, created_at, updated_at, updated_by) "
                        + "VALUES ('bob2', 'pro', 0, 0, 'alice')")).hasMessageContaining("row-level security");
            }
            c.rollback();
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("SELECT set_config('slipway.user', 'alice', true)");
                assertThatThrownBy(() -> s.executeUpdate("UPDATE mcp_servers SET owner = 'bob'")).hasMessageContaining("row-level security");
            }
            c.rollback();
        }
    }

    @Test
    void aUsersTransactionSeesNoSharedSecretAndNoLease() throws SQLException {
        new ClusterStore(database).agree("jwt", "00".repeat(32));
        new ClusterStore(database).acquire("app1", "replica-a", "http://a", java.time.Instant.now(), java.time.Duration.ofSeconds(30));
        try (Connection c = TestDatabase.connectAsRole(url)) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("SELECT set_config('slipway.user', 'alice', true)");
                assertThat(column(s, "SELECT value FROM cluster_secrets")).isEmpty();
                assertThat(column(s, "SELECT holder FROM app_leases")).isEmpty();
            }
            c.rollback();
        }
    }

    @Test
    void everyTableButFlywaysHasForcedRowLevelSecurity() throws SQLException {
        try (Connection c = TestDatabase.connectAsRole(url); Statement s = c.createStatement()) {
            List<String> unprotected = column(s, "SELECT relname FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace "
                    + "AND relname <> 'flyway_schema_history' AND NOT (relrowsecurity AND relforcerowsecurity)");
            assertThat(unprotected).as("tables without forced row-level security").isEmpty();
            List<String> tables = column(s, "SELECT tablename FROM pg_policies WHERE policyname = 'tenant'");
            assertThat(tables).containsExactlyInAnyOrderElementsOf(TENANT_TABLES);
            assertThat(column(s, "SELECT tablename FROM pg_policies WHERE policyname = 'system_only'"))
                    .as("what replicas share, no tenant's").containsExactlyInAnyOrder("cluster_secrets", "app_leases");
        }
    }

    @Test
    void slipwayRefusesARoleThatRowLevelSecurityWouldNotBind() {
        assertThatThrownBy(() -> Database.openPostgres(TestDatabase.superuserUrl()))
                .hasMessageContaining("superuser or has BYPASSRLS");
    }

    private static List<String> column(Statement s, String sql) throws SQLException {
        List<String> values = new ArrayList<>();
        try (ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) values.add(rs.getString(1));
        }
        return values;
    }
}
