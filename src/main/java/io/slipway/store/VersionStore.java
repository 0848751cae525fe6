package io.slipway.store;

import io.slipway.app.App;
import io.slipway.app.Language;
import io.slipway.app.Transport;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jdbi.v3.core.Handle;

/**
 * The numbered versions of each app (table {@code app_versions}): what each successful deploy ran, so that it can be
 * activated again. One version of an app is active, the one serving. A tenant table: each call runs as the owner.
 */
public final class VersionStore {
    /** One version: what it runs. */
    public record Version(String appId, int number, Instant createdAt, Language language, String entryFile, List<String> requirements,
                          String codeHash, String depsKey, Transport transport, String mcp, boolean active) {
        public Version {
            requirements = List.copyOf(requirements);
        }

        /** {@code app} running this version's code; its settings and everything else are the app's. */
        public App appliedTo(App app, Instant now) {
            return new App(app.id(), app.owner(), app.name(), language, entryFile, requirements, app.sleepAfter(), app.env(), app.status(),
                    app.error(), codeHash, depsKey, app.internet(), app.isPrivate(), app.plan(), app.createdAt(), now, app.lastActiveAt(),
                    app.healthPath(), transport, mcp, app.alwaysOn(), app.requestTimeout());
        }
    }

    private static final String COLUMNS = "app_id, owner, version, created_at, runtime, entry_file, requirements, code_hash, deps_key, transport, mcp, active";

    private final Database db;

    public VersionStore(Database database) {
        this.db = database;
    }

    /**
     * Records what {@code app} runs now as its next version, the active one, and returns its number. An app that has no
     * version yet (deployed before versions were kept) gets {@code before} as its version 1 first, when given.
     */
    public int record(App app, App before, Instant at) {
        return db.asUser(app.owner(), h -> {
            Integer last = h.createQuery("SELECT MAX(version) FROM app_versions WHERE app_id = :app").bind("app", app.id())
                    .mapTo(Integer.class).one();
            int next = last == null ? 1 : last + 1;
            if (last == null && before != null) {
                insert(h, before, 1, before.updatedAt(), false);
                next = 2;
            }
            h.createUpdate("UPDATE app_versions SET active = FALSE WHERE app_id = :app").bind("app", app.id()).execute();
            insert(h, app, next, at, true);
            return next;
        });
    }

    private static void insert(Handle h, App app, int number, Instant at, boolean active) {
        h.createUpdate("INSERT INTO app_versions (" + COLUMNS + ") VALUES (:app, :owner, :version, :at, :runtime, :entry, :requirements, "
                        + ":code, :deps, :transport, :mcp, :active)")
                .bind("app", app.id()).bind("owner", app.owner()).bind("version", number).bind("at", at.toEpochMilli())
                .bind("runtime", app.language().id()).bind("entry", app.entryFile()).bind("requirements", String.join("\n", app.requirements()))
                .bind("code", app.codeHash()).bind("deps", app.depsKey()).bind("transport", app.transport().id()).bind("mcp", app.mcp())
                .bind("active", active).execute();
    }

    /** The app's versions, newest first; {@code current} stands as version 1 for an app that has none recorded yet. */
    public List<Version> list(App current) {
        List<Version> versions = db.asUser(current.owner(), h -> h.createQuery("SELECT " + COLUMNS + " FROM app_versions WHERE app_id = :app "
                + "ORDER BY version DESC").bind("app", current.id()).map(VersionStore::map).list());
        if (!versions.isEmpty()) return versions;
        return List.of(new Version(current.id(), 1, current.updatedAt(), current.language(), current.entryFile(), current.requirements(),
                current.codeHash(), current.depsKey(), current.transport(), current.mcp(), true));
    }

    public Optional<Version> find(App current, int number) {
        return list(current).stream().filter(v -> v.number() == number).findFirst();
    }

    /** Marks version {@code number} of the owner's app active, and no other. */
    public void activate(App app, int number) {
        db.asUser(app.owner(), h -> {
            if (h.createQuery("SELECT COUNT(*) FROM app_versions WHERE app_id = :app").bind("app", app.id()).mapTo(Integer.class).one() == 0) {
                insert(h, app, 1, app.updatedAt(), false);
            }
            return h.createUpdate("UPDATE app_versions SET active = (version = :n) WHERE app_id = :app").bind("app", app.id()).bind("n", number)
                    .execute();
        });
    }

    /** The number of the active version of each of the owner's {@code apps} that has versions recorded. */
    public Map<String, Integer> active(String owner, List<String> apps) {
        if (apps.isEmpty()) return Map.of();
        Map<String, Integer> active = new HashMap<>();
        db.asUser(owner, h -> h.createQuery("SELECT app_id, version FROM app_versions WHERE active AND app_id IN (<apps>)").bindList("apps", apps)
                .map((rs, ctx) -> active.put(rs.getString(1), rs.getInt(2))).list());
        return active;
    }

    /**
     * Keeps the app's {@code keep} newest versions, and the active one whatever its age, and removes the rest; returns the
     * code digests no kept version runs any more, whose builds may go.
     */
    public Set<String> retain(App app, int keep) {
        return db.asUser(app.owner(), h -> {
            List<Version> all = h.createQuery("SELECT " + COLUMNS + " FROM app_versions WHERE app_id = :app ORDER BY version DESC")
                    .bind("app", app.id()).map(VersionStore::map).list();
            Set<String> kept = new HashSet<>();
            Set<String> dropped = new HashSet<>();
            for (int i = 0; i < all.size(); i++) {
                Version v = all.get(i);
                if (i < keep || v.active()) {
                    kept.add(v.codeHash());
                } else {
                    h.createUpdate("DELETE FROM app_versions WHERE app_id = :app AND version = :n").bind("app", app.id()).bind("n", v.number()).execute();
                    dropped.add(v.codeHash());
                }
            }
            dropped.removeAll(kept);
            return dropped;
        });
    }

    /** The code digests of the app's kept versions. */
    public Set<String> codeKept(App app) {
        return new HashSet<>(list(app).stream().map(Version::codeHash).toList());
    }

    /** The dependency sets any kept version of any app runs, by language: they are in use. System scope. */
    public Map<Language, Set<String>> dependencySetsKept() {
        Map<Language, Set<String>> kept = new java.util.EnumMap<>(Language.class);
        db.asSystem(h -> h.createQuery("SELECT DISTINCT runtime, deps_key FROM app_versions WHERE deps_key IS NOT NULL")
                .map((rs, ctx) -> kept.computeIfAbsent(Language.fromId(rs.getString(1)).orElseThrow(), l -> new HashSet<>()).add(rs.getString(2)))
                .list());
        return kept;
    }

    public void deleteAllOf(String owner, String appId) {
        db.asUser(owner, h -> h.createUpdate("DELETE FROM app_versions WHERE app_id = :app").bind("app", appId).execute());
    }

    private static Version map(ResultSet rs, org.jdbi.v3.core.statement.StatementContext ctx) throws SQLException {
        String requirements = rs.getString("requirements");
        return new Version(rs.getString("app_id"), rs.getInt("version"), Instant.ofEpochMilli(rs.getLong("created_at")),
                Language.fromId(rs.getString("runtime")).orElseThrow(), rs.getString("entry_file"),
                requirements.isEmpty() ? List.of() : Arrays.asList(requirements.split("\n")), rs.getString("code_hash"), rs.getString("deps_key"),
                Transport.fromId(rs.getString("transport")).orElseThrow(), rs.getString("mcp"), rs.getBoolean("active"));
    }
}
