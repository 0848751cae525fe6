package io.slipway.store;

import static io.slipway.config.ConfigLoader.redact;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.Jdbi;

/**
 * The connection pool, migrated on open: an SQLite file by default, PostgreSQL when a database URL is configured.
 * Both run the migrations of {@code db/migration}; PostgreSQL also those of {@code db/postgresql}, which put every
 * tenant table under row-level security.
 *
 * <p>Every query runs in one of two scopes. {@link #asUser} is a transaction in which PostgreSQL's policies show and
 * accept only the rows of that user ({@code slipway.user}), whatever the SQL says. {@link #asSystem} is for the data
 * plane and the lifecycle, which serve every tenant ({@code slipway.system}). A connection that set neither, such as
 * one that a future query forgot to scope, sees no tenant row at all. On SQLite the scope is the store's own
 * {@code WHERE owner = …}; the store writes that condition on both databases.
 */
public final class Database implements AutoCloseable {
    /** Which SQL engine is behind the pool. */
    public enum Kind { SQLITE, POSTGRESQL }

    private final HikariDataSource dataSource;
    private final Jdbi jdbi;
    private final Kind kind;

    private Database(HikariDataSource dataSource, Kind kind) {
        this.dataSource = dataSource;
        this.kind = kind;
        this.jdbi = Jdbi.create(dataSource);
    }

    /** An empty {@code url} opens the SQLite file; otherwise the PostgreSQL database the URL names. */
    public static Database open(String url, Path sqliteFile) {
        return url == null || url.isBlank() ? openSqlite(sqliteFile) : openPostgres(url);
    }

    /** Opens (creating if needed) the SQLite file and applies pending migrations. */
    public static Database openSqlite(Path file) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("slipway-sqlite");
        config.setJdbcUrl("jdbc:sqlite:" + file.toAbsolutePath());
        // WAL lets readers proceed while one writer commits; busy_timeout turns writer contention into a short wait.
        config.addDataSourceProperty("journal_mode", "WAL");
        config.addDataSourceProperty("busy_timeout", "10000");
        config.addDataSourceProperty("synchronous", "NORMAL");
        config.addDataSourceProperty("foreign_keys", "true");
        // Freed space is zeroed, not left holding what a row held before: env sealed over plain text from before
        // encryption (README, "Secrets at rest"), or a deleted app's rows.
        config.addDataSourceProperty("secure_delete", "true");
        config.setMaximumPoolSize(4);
        return migrated(new HikariDataSource(config), Kind.SQLITE, file.toString());
    }

    /**
     * Opens a PostgreSQL database given as {@code jdbc:postgresql://…} or {@code postgres[ql]://user:password@host/db}.
     * The role must not be a superuser nor have BYPASSRLS: row-level security would not bind it.
     */
    public static Database openPostgres(String url) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("slipway-postgresql");
        jdbcUrl(url, config);
        config.setMaximumPoolSize(10);
        Database database = migrated(new HikariDataSource(config), Kind.POSTGRESQL, redact(url));
        boolean unbound = database.jdbi.withHandle(h -> h.createQuery(
                "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user").mapTo(Boolean.class).one());
        if (unbound) {
            String role = database.jdbi.withHandle(h -> h.createQuery("SELECT current_user").mapTo(String.class).one());
            database.close();
            throw new IllegalStateException("the database role '" + role + "' is a superuser or has BYPASSRLS, so row-level "
                    + "security would not keep users apart; connect Slipway as an ordinary role that owns its database");
        }
        return database;
    }

    private static Database migrated(HikariDataSource ds, Kind kind, String where) {
        try {
            var flyway = Flyway.configure().dataSource(ds);
            if (kind == Kind.POSTGRESQL) {
                flyway.locations("classpath:db/migration", "classpath:db/postgresql");
            } else {
                flyway.locations("classpath:db/migration");
            }
            flyway.load().migrate();
        } catch (RuntimeException e) {
            ds.close();
            throw new IllegalStateException("cannot migrate the database at " + where + ": " + e.getMessage(), e);
        }
        return new Database(ds, kind);
    }

    static void jdbcUrl(String url, HikariConfig config) {
        if (url.startsWith("jdbc:postgresql:")) {
            config.setJdbcUrl(url);
            return;
        }
        URI uri = URI.create(url);
        if (!"postgres".equals(uri.getScheme()) && !"postgresql".equals(uri.getScheme())) {
            throw new IllegalArgumentException("database.url must be jdbc:postgresql://… or postgres://user:password@host/db, not " + redact(url));
        }
        config.setJdbcUrl("jdbc:postgresql://" + uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "") + uri.getRawPath()
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()));
        if (uri.getRawUserInfo() != null) {
            String[] parts = uri.getRawUserInfo().split(":", 2);
            config.setUsername(URLDecoder.decode(parts[0], StandardCharsets.UTF_8));
            if (parts.length == 2) config.setPassword(URLDecoder.decode(parts[1], StandardCharsets.UTF_8));
        }
    }

    public Kind kind() {
        return kind;
    }

    /**
     * Runs a trivial query, to show the database answers; throws when it does not. Blocks: up to the pool's connection
     * timeout while the database is unreachable, so a caller that must answer sooner waits for it on another thread.
     */
    public void ping() {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            statement.setQueryTimeout(2);
            statement.execute("SELECT 1");
        } catch (SQLException e) {
            throw new IllegalStateException("the database did not answer SELECT 1: " + e.getMessage(), e);
        }
    }

    /**
     * On SQLite, copies the write-ahead log into the database file and empties it, so that no page a transaction replaced
     * lingers in the log; nothing on PostgreSQL. Blocks until readers in flight are done with the log.
     */
    public void checkpoint() {
        if (kind == Kind.SQLITE) jdbi.useHandle(h -> h.createQuery("PRAGMA wal_checkpoint(TRUNCATE)").mapToMap().list());
    }

    /** A transaction in which, on PostgreSQL, only {@code user}'s rows exist. */
    public <R, X extends Exception> R asUser(String user, HandleCallback<R, X> work) throws X {
        return jdbi.inTransaction(h -> {
            if (kind == Kind.POSTGRESQL) scope(h, "slipway.user", user);
            return work.withHandle(h);
        });
    }

    /** A transaction that sees every tenant's rows: for the data plane and the lifecycle, never a user's request. */
    public <R, X extends Exception> R asSystem(HandleCallback<R, X> work) throws X {
        return jdbi.inTransaction(h -> {
            if (kind == Kind.POSTGRESQL) scope(h, "slipway.system", "on");
            return work.withHandle(h);
        });
    }

    private static void scope(Handle h, String setting, String value) {
        // set_config(…, true) lasts until the transaction ends, so a pooled connection never carries it further.
        h.createQuery("SELECT set_config(:setting, :value, true)").bind("setting", setting).bind("value", value)
                .mapTo(String.class).one();
    }

    @Override
    public void close() {
        dataSource.close();
    }
}
