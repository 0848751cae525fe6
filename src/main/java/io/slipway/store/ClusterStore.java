package io.slipway.store;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.mapper.RowMapper;

/**
 * What replicas sharing one database share beside the apps (DESIGN §5, "Several replicas"): named secrets
 * ({@code cluster_secrets}), and the lease on each app's instance ({@code app_leases}), which says which replica runs
 * it. Neither is a tenant's, so both are read and written in the system scope. Thread-safe; every method blocks.
 */
public final class ClusterStore {
    /** A lease as stored: {@code holder} runs the app, reached at {@code holderUrl}, until {@code expiresAt}. */
    public record Lease(String appId, String holder, String holderUrl, long fence, Instant expiresAt) {
        public boolean heldBy(String replica) {
            return holder.equals(replica);
        }
    }

    private static final String LEASES = "SELECT app_id, holder, holder_url, fence, expires_at FROM app_leases ";
    private static final RowMapper<Lease> LEASE = (rs, ctx) -> new Lease(rs.getString(1), rs.getString(2), rs.getString(3),
            rs.getLong(4), Instant.ofEpochMilli(rs.getLong(5)));

    private final Database db;

    public ClusterStore(Database database) {
        this.db = database;
    }

    /**
     * The secret named {@code name}: {@code candidate} when none was stored yet (it is stored now), else the one stored.
     * Replicas racing on a fresh database agree on one.
     */
    public String agree(String name, String candidate) {
        return db.asSystem(h -> {
            h.createUpdate("INSERT INTO cluster_secrets (name, value) VALUES (:name, :value) ON CONFLICT (name) DO NOTHING")
                    .bind("name", name).bind("value", candidate).execute();
            return h.createQuery("SELECT value FROM cluster_secrets WHERE name = :name").bind("name", name).mapTo(String.class).one();
        });
    }

    /** The secret named {@code name}, if one is stored. */
    public Optional<String> secret(String name) {
        return db.asSystem(h -> h.createQuery("SELECT value FROM cluster_secrets WHERE name = :name").bind("name", name)
                .mapTo(String.class).findOne());
    }

    /** Stores {@code value} as the secret named {@code name}, replacing the one stored. */
    public void putSecret(String name, String value) {
        db.asSystem(h -> h.createUpdate("INSERT INTO cluster_secrets (name, value) VALUES (:name, :value) "
                + "ON CONFLICT (name) DO UPDATE SET value = excluded.value").bind("name", name).bind("value", value).execute());
    }

    /** Forgets the secret named {@code name}, if one is stored. */
    public void removeSecret(String name) {
        db.asSystem(h -> h.createUpdate("DELETE FROM cluster_secrets WHERE name = :name").bind("name", name).execute());
    }

    /**
     * Takes the lease on {@code appId} for {@code replica} until {@code now + period}, unless another replica holds one
     * that has not expired; renews it when {@code replica} holds it already. Returns the lease as it stands after: held by
     * {@code replica} when taken ({@link Lease#heldBy}), else by the other replica.
     */
    public Lease acquire(String appId, String replica, String url, Instant now, Duration period) {
        return db.asSystem(h -> {
            h.createUpdate("INSERT INTO app_leases (app_id, holder, holder_url, fence, expires_at) VALUES (:app, :holder, :url, 1, :until) "
                            + "ON CONFLICT (app_id) DO UPDATE SET holder = excluded.holder, holder_url = excluded.holder_url, "
                            + "fence = CASE WHEN app_leases.holder = excluded.holder THEN app_leases.fence ELSE app_leases.fence + 1 END, "
                            + "expires_at = excluded.expires_at WHERE app_leases.holder = excluded.holder OR app_leases.expires_at < :now")
                    .bind("app", appId).bind("holder", replica).bind("url", url).bind("until", now.plus(period).toEpochMilli())
                    .bind("now", now.toEpochMilli()).execute();
            return h.createQuery(LEASES + "WHERE app_id = :app")
                    .bind("app", appId).map(LEASE).one();
        });
    }

    /**
     * Extends every lease {@code replica} holds to {@code now + period}; returns the ids of the apps it still holds (a
     * lease another replica took over after it expired is not among them: that replica runs the app now).
     */
    public List<String> renewAll(String replica, Instant now, Duration period) {
        return db.asSystem(h -> {
            h.createUpdate("UPDATE app_leases SET expires_at = :until WHERE holder = :holder")
                    .bind("until", now.plus(period).toEpochMilli()).bind("holder", replica).execute();
            return h.createQuery("SELECT app_id FROM app_leases WHERE holder = :holder ORDER BY app_id").bind("holder", replica)
                    .mapTo(String.class).list();
        });
    }

    /**
     * Gives up {@code replica}'s lease on {@code appId}, if it holds it: the app no longer runs there. The row stays,
     * expired, as the app's {@link #last} lease: that replica has its build.
     */
    public void release(String appId, String replica) {
        db.asSystem(h -> h.createUpdate("UPDATE app_leases SET expires_at = 0 WHERE app_id = :app AND holder = :holder")
                .bind("app", appId).bind("holder", replica).execute());
    }

    /** Forgets the lease on {@code appId}, held or not (the app was deleted): its holder's next renewal finds it gone. */
    public void forget(String appId) {
        db.asSystem(h -> h.createUpdate("DELETE FROM app_leases WHERE app_id = :app").bind("app", appId).execute());
    }

    /** The last lease taken on {@code appId}, expired or not; empty when none ever was (or the app was forgotten). */
    public Optional<Lease> last(String appId) {
        return db.asSystem(h -> h.createQuery(LEASES + "WHERE app_id = :app").bind("app", appId).map(LEASE).findOne());
    }

    /** The lease on {@code appId} if one holds at {@code now}; empty when none was taken or the last one expired. */
    public Optional<Lease> current(String appId, Instant now) {
        return db.asSystem(h -> h.createQuery(LEASES + "WHERE app_id = :app AND expires_at >= :now").bind("app", appId).bind("now", now.toEpochMilli())
                .map(LEASE).findOne());
    }
}
