package io.slipway.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * An embedded PostgreSQL of one test's own, which the test may {@link #stop()} while Slipway uses it and
 * {@link #restart()} on the same port and data directory: the database going away and coming back, as an operator's
 * restart or a failover does. (The server of {@link TestDatabase} is shared by the whole test JVM and must stay up.)
 * It holds one database, {@code slipway}, owned by the ordinary role {@value TestDatabase#ROLE}.
 */
public final class StoppablePostgres implements AutoCloseable {
    private final Path dataDir;
    private final int port;
    private EmbeddedPostgres running;

    private StoppablePostgres(Path dataDir, EmbeddedPostgres first) {
        this.dataDir = dataDir;
        this.running = first;
        this.port = first.getPort();
    }

    /** Creates a cluster in {@code dataDir} (which must not hold one yet) and starts it on a free port. */
    public static StoppablePostgres start(Path dataDir) {
        StoppablePostgres pg = new StoppablePostgres(dataDir, launch(dataDir, 0));
        try (Connection c = pg.running.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE ROLE " + TestDatabase.ROLE + " LOGIN PASSWORD '" + TestDatabase.ROLE + "' NOSUPERUSER NOBYPASSRLS");
            s.execute("CREATE DATABASE slipway OWNER " + TestDatabase.ROLE);
        } catch (SQLException e) {
            pg.close();
            throw new IllegalStateException("cannot create the role and database", e);
        }
        return pg;
    }

    /** What {@code SLIPWAY_DATABASE_URL} would hold; the same across {@link #restart()}. */
    public String url() {
        return "postgresql://" + TestDatabase.ROLE + ":" + TestDatabase.ROLE + "@localhost:" + port + "/slipway";
    }

    /** Stops the server at once ({@code pg_ctl stop -m fast}: clients are disconnected), keeping its data. */
    public void stop() {
        if (running == null) return;
        try {
            running.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stop PostgreSQL", e);
        } finally {
            running = null;
        }
    }

    /** Starts the stopped server again, on the same port and data directory. */
    public void restart() {
        if (running != null) throw new IllegalStateException("PostgreSQL is running");
        running = launch(dataDir, port);
    }

    private static EmbeddedPostgres launch(Path dataDir, int port) {
        try {
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder().setDataDirectory(dataDir).setCleanDataDirectory(false);
            if (port > 0) builder.setPort(port);
            return builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start PostgreSQL in " + dataDir, e);
        }
    }

    @Override
    public void close() {
        stop();
    }
}
