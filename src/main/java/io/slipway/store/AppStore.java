package io.slipway.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.slipway.app.App;
import io.slipway.app.AppStatus;
import io.slipway.app.Language;
import io.slipway.secrets.EnvCipher;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * The {@code mcp_servers} table. Methods taking an {@code owner} run in that user's scope ({@link Database#asUser})
 * and only ever see that owner's rows; the few that do not ({@link #findById}, {@link #listAll},
 * {@link #updateStatus}, {@link #sleepAllAfterRestart}) serve the data plane and the lifecycle
 * in the system scope, never a user's request for data.
 *
 * <p>The {@code env} column holds each app's env sealed by the {@link EnvCipher} (README, "Secrets at rest"); a row
 * written before encryption holds plain JSON, which is read as it is until {@link #sealAll} seals it.
 */
public final class AppStore {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String COLUMNS = "id, owner, name, runtime, entry_file, requirements, sleep_after_ms, env, status, "
            + "error, code_hash, deps_key, internet, is_private, plan, created_at, updated_at, last_active_at, health_path, transport, mcp, "
            + "always_on, request_timeout_ms";

    private final Database db;
    private final EnvCipher cipher;

    public AppStore(Database database, EnvCipher cipher) {
        this.db = database;
        this.cipher = cipher;
    }

    public void insert(App app) {
        db.asUser(app.owner(), h -> bind(h.createUpdate("INSERT INTO mcp_servers (" + COLUMNS + ") VALUES (:id, :owner, :name, :runtime, "
                + ":entry_file, :requirements, :sleep_after_ms, :env, :status, :error, :code_hash, :deps_key, :internet, :is_private, :plan, :created_at, "
                + ":updated_at, :last_active_at, :health_path, :transport, :mcp, :always_on, :request_timeout_ms)"), app).execute());
    }

    /** Replaces every field of the owner's app; false when the owner has no such app. */
    public boolean update(App app) {
        return db.asUser(app.owner(), h -> bind(h.createUpdate("UPDATE mcp_servers SET name = :name, runtime = :runtime, "
                + "entry_file = :entry_file, requirements = :requirements, sleep_after_ms = :sleep_after_ms, env = :env, "
                + "status = :status, error = :error, code_hash = :code_hash, deps_key = :deps_key, internet = :internet, is_private = :is_private, plan = :plan, "
                + "updated_at = :updated_at, health_path = :health_path, transport = :transport, mcp = :mcp, "
                + "always_on = :always_on, request_timeout_ms = :request_timeout_ms, last_active_at = :last_active_at WHERE id = :id AND owner = :owner"), app).execute()) == 1;
    }

    public Optional<App> find(String owner, String id) {
        return db.asUser(owner, h -> h.createQuery("SELECT " + COLUMNS + " FROM mcp_servers WHERE id = :id AND owner = :owner")
                .bind("id", id).bind("owner", owner).map(this::map).findOne());
    }

    /** The owner's apps, newest first. */
    public List<App> list(String owner) {
        return db.asUser(owner, h -> h.createQuery("SELECT " + COLUMNS + " FROM mcp_servers WHERE owner = :owner "
                + "ORDER BY created_at DESC, id").bind("owner", owner).map(this::map).list());
    }

    /** Every always-on app that is built, whoever owns it: what replicas sharing the database keep running between them. */
    public List<App> listAlwaysOn() {
        return db.asSystem(h -> h.createQuery("SELECT " + COLUMNS + " FROM mcp_servers WHERE always_on = TRUE AND code_hash <> ''")
                .map(this::map).list());
    }

    public boolean delete(String owner, String id) {
        return db.asUser(owner, h -> h.createUpdate("DELETE FROM mcp_servers WHERE id = :id AND owner = :owner")
                .bind("id", id).bind("owner", owner).execute()) == 1;
    }

    /** Any owner's app: for the data plane, which serves public apps by id. */
    public Optional<App> findById(String id) {
        return db.asSystem(h -> h.createQuery("SELECT " + COLUMNS + " FROM mcp_servers WHERE id = :id")
                .bind("id", id).map(this::map).findOne());
    }

    public List<App> listAll() {
        return db.asSystem(h -> h.createQuery("SELECT " + COLUMNS + " FROM mcp_servers").map(this::map).list());
    }

    /** Records a lifecycle transition; {@code lastActiveAt} is kept when null. */
    public void updateStatus(String id, AppStatus status, String error, Instant now, Instant lastActiveAt) {
        db.asSystem(h -> h.createUpdate("UPDATE mcp_servers SET status = :status, error = :error, updated_at = :now, "
                        + "last_active_at = COALESCE(:last_active_at, last_active_at) WHERE id = :id")
                .bind("id", id).bind("status", status.id()).bind("error", error).bind("now", now.toEpochMilli())
                .bind("last_active_at", lastActiveAt == null ? null : lastActiveAt.toEpochMilli()).execute());
    }

    /**
     * After a restart no instance runs: apps that were starting or running are sleeping, and apps caught mid-build
     * by a redeploy fall back to their previous, complete code. Failed apps keep their reason. A first upload caught
     * mid-build has no code yet ({@code code_hash} empty): it stays as it is, for {@code Deployments.removeUnfinished}.
     */
    public int sleepAllAfterRestart(Instant now) {
        return db.asSystem(h -> h.createUpdate("UPDATE mcp_servers SET status = 'sleeping', updated_at = :now "
                + "WHERE status IN ('starting', 'running', 'building') AND code_hash <> ''").bind("now", now.toEpochMilli()).execute());
    }

    /** Moves every app of the owner to the plan; returns them as now stored. */
    public List<App> setPlan(String owner, String plan) {
        return db.asUser(owner, h -> {
            h.createUpdate("UPDATE mcp_servers SET plan = :plan WHERE owner = :owner").bind("plan", plan).bind("owner", owner).execute();
            return h.createQuery("SELECT " + COLUMNS + " FROM mcp_servers WHERE owner = :owner").bind("owner", owner).map(this::map).list();
        });
    }

    /**
     * The owner's built apps: not a first upload still building (its code hash is empty), which the build admission
     * counts among the uploads in flight until its code is stored.
     */
    public int count(String owner) {
        return db.asUser(owner, h -> h.createQuery("SELECT COUNT(*) FROM mcp_servers WHERE owner = :owner AND code_hash <> ''")
                .bind("owner", owner).mapTo(Integer.class).one());
    }

    /**
     * Seals with the current key every env that is not yet: plain JSON written before encryption, or sealed with a
     * previous key. One transaction; a row changed meanwhile (sealed anew by a write) is left as that write left it.
     * Returns how many rows were sealed.
     *
     * @throws EnvCipher.UnreadableEnv when a row's env opens with no configured key; then no row is changed
     */
    public int sealAll() {
        return db.asSystem(h -> {
            int sealed = 0;
            for (var row : h.createQuery("SELECT id, env FROM mcp_servers ORDER BY id")
                    .map((rs, ctx) -> Map.entry(rs.getString(1), rs.getString(2))).list()) {
                if (cipher.sealedWithCurrent(row.getValue())) continue;
                String json = toJson(env(row.getKey(), row.getValue()));
                sealed += h.createUpdate("UPDATE mcp_servers SET env = :sealed WHERE id = :id AND env = :old").bind("id", row.getKey())
                        .bind("old", row.getValue()).bind("sealed", cipher.seal(row.getKey(), json)).execute();
            }
            return sealed;
        });
    }

    private <T extends org.jdbi.v3.core.statement.SqlStatement<T>> T bind(T statement, App app) {
        return statement.bind("id", app.id()).bind("owner", app.owner()).bind("name", app.name())
                .bind("runtime", app.language().id()).bind("entry_file", app.entryFile())
                .bind("requirements", String.join("\n", app.requirements()))
                .bind("sleep_after_ms", app.sleepAfter().toMillis()).bind("env", cipher.seal(app.id(), toJson(app.env())))
                .bind("status", app.status().id()).bind("error", app.error()).bind("code_hash", app.codeHash())
                .bind("deps_key", app.depsKey()).bind("internet", app.internet()).bind("is_private", app.isPrivate()).bind("plan", app.plan()).bind("created_at", app.createdAt().toEpochMilli())
                .bind("updated_at", app.updatedAt().toEpochMilli())
                .bind("last_active_at", app.lastActiveAt() == null ? null : app.lastActiveAt().toEpochMilli())
                .bind("health_path", app.healthPath()).bind("transport", app.transport().id()).bind("mcp", app.mcp())
                .bind("always_on", app.alwaysOn()).bind("request_timeout_ms", app.requestTimeoutIfAny().map(Duration::toMillis).orElse(null));
    }

    private App map(ResultSet rs, StatementContext ctx) throws SQLException {
        String requirements = rs.getString("requirements");
        long lastActive = rs.getLong("last_active_at");
        boolean noLastActive = rs.wasNull();
        return new App(rs.getString("id"), rs.getString("owner"), rs.getString("name"),
                Language.fromId(rs.getString("runtime")).orElseThrow(), rs.getString("entry_file"),
                requirements.isEmpty() ? List.of() : Arrays.asList(requirements.split("\n")),
                Duration.ofMillis(rs.getLong("sleep_after_ms")), env(rs.getString("id"), rs.getString("env")),
                AppStatus.fromId(rs.getString("status")), rs.getString("error"), rs.getString("code_hash"),
                rs.getString("deps_key"), rs.getBoolean("internet"), rs.getBoolean("is_private"), rs.getString("plan"), Instant.ofEpochMilli(rs.getLong("created_at")),
                Instant.ofEpochMilli(rs.getLong("updated_at")), noLastActive ? null : Instant.ofEpochMilli(lastActive), rs.getString("health_path"),
                io.slipway.app.Transport.fromId(rs.getString("transport")).orElseThrow(), rs.getString("mcp"),
                rs.getBoolean("always_on"), requestTimeout(rs));
    }

    private static Duration requestTimeout(ResultSet rs) throws SQLException {
        long millis = rs.getLong("request_timeout_ms");
        return rs.wasNull() ? null : Duration.ofMillis(millis);
    }

    private static String toJson(Map<String, String> env) {
        try {
            return JSON.writeValueAsString(env);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode env", e);
        }
    }

    /** The env a column holds: sealed, or plain JSON from before encryption. */
    private Map<String, String> env(String appId, String stored) {
        String json = EnvCipher.isSealed(stored) ? cipher.open(appId, stored) : stored;
        try {
            return JSON.readValue(json, new TypeReference<Map<String, String>>() { });
        } catch (JsonProcessingException e) {
            // Not e's message: Jackson quotes the text it could not parse, and that is env.
            throw new IllegalStateException("the env column of app " + appId + " is not a JSON object of strings");
        }
    }
}
