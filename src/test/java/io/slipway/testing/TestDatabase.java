package io.slipway.testing;

import io.slipway.store.Database;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The databases Slipway's store runs on, for tests parameterized over both: a fresh SQLite file, or a fresh database
 * on an embedded PostgreSQL (one server per test JVM, started on first use). PostgreSQL databases are owned by an
 * ordinary role, {@value #ROLE}, as a production deployment would be, so that row-level security binds it.
 */
public enum TestDatabase {
    SQLITE, POSTGRESQL;

    public static final String ROLE = "slipway";
    private static final AtomicInteger NEXT = new AtomicInteger();

    /** A fresh, migrated database; {@code dir} holds the SQLite file. */
    public Database open(Path dir) {
        return this == SQLITE ? Database.openSqlite(dir.resolve("test.db")) : Database.openPostgres(freshPostgresUrl());
    }

    /** A URL of a new, empty PostgreSQL database owned by {@value #ROLE}: what {@code SLIPWAY_DATABASE_URL} would hold. */
    public static String freshPostgresUrl() {
        String name = "slipway_" + ProcessHandle.current().pid() + "_" + NEXT.incrementAndGet();
        asSuperuser("CREATE DATABASE " + name + " OWNER " + ROLE);
        return "postgresql://" + ROLE + ":" + ROLE + "@localhost:" + Server.POSTGRES.getPort() + "/" + name;
    }

    /** The superuser's URL of the same server: for tests that show Slipway refuses it. */
    public static String superuserUrl() {
        return "jdbc:postgresql://localhost:" + Server.POSTGRES.getPort() + "/postgres?user=postgres";
    }

    /** A plain JDBC connection as {@value #ROLE} to the database of {@code url} (from {@link #freshPostgresUrl}). */
    public static Connection connectAsRole(String url) throws SQLException {
        String database = url.substring(url.lastIndexOf('/') + 1);
        return java.sql.DriverManager.getConnection("jdbc:postgresql://localhost:" + Server.POSTGRES.getPort() + "/" + database, ROLE, ROLE);
    }

    private static void asSuperuser(String sql) {
        try (Connection c = Server.POSTGRES.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    /** Holder: the server starts when a test first asks for PostgreSQL, and stops with the JVM. */
    private static final class Server {
        static final EmbeddedPostgres POSTGRES = start();

        private static EmbeddedPostgres start() {
            try {
                EmbeddedPostgres pg = EmbeddedPostgres.builder().start();
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    try {
                        pg.close();
                    } catch (IOException e) {
                        // the JVM is exiting; the server's directory is a temp dir
                    }
                }));
                try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
                    s.execute("CREATE ROLE " + ROLE + " LOGIN PASSWORD '" + ROLE + "' NOSUPERUSER NOBYPASSRLS");
                }
                return pg;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start the embedded PostgreSQL", e);
            } catch (SQLException e) {
                throw new IllegalStateException("cannot create the role " + ROLE, e);
            }
        }
    }
}
