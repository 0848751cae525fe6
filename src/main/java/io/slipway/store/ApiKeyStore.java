package io.slipway.store;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** App-scoped API keys. Only a hash of each secret is stored; every user-facing query is scoped to the owner. */
public final class ApiKeyStore {
    /** A key as stored: never the secret itself. */
    public record ApiKey(String id, String appId, String owner, String name, String secretHash, Instant createdAt) {
    }

    private final Database db;

    public ApiKeyStore(Database database) {
        this.db = database;
    }

    public void insert(ApiKey key) {
        db.asUser(key.owner(), h -> h.createUpdate("INSERT INTO app_api_keys (id, app_id, owner, name, secret_hash, created_at) "
                        + "VALUES (:id, :app, :owner, :name, :hash, :at)")
                .bind("id", key.id()).bind("app", key.appId()).bind("owner", key.owner()).bind("name", key.name())
                .bind("hash", key.secretHash()).bind("at", key.createdAt().toEpochMilli()).execute());
    }

    public List<ApiKey> list(String owner, String appId) {
        return db.asUser(owner, h -> h.createQuery("SELECT * FROM app_api_keys WHERE owner = :owner AND app_id = :app ORDER BY created_at, id")
                .bind("owner", owner).bind("app", appId).map(ApiKeyStore::map).list());
    }

    public Optional<ApiKey> delete(String owner, String appId, String keyId) {
        return db.asUser(owner, h -> {
            Optional<ApiKey> key = h.createQuery("SELECT * FROM app_api_keys WHERE owner = :owner AND app_id = :app AND id = :id")
                    .bind("owner", owner).bind("app", appId).bind("id", keyId).map(ApiKeyStore::map).findOne();
            key.ifPresent(k -> h.createUpdate("DELETE FROM app_api_keys WHERE id = :id").bind("id", k.id()).execute());
            return key;
        });
    }

    /** Every key of every app: loaded once at start into the data plane's in-memory index. */
    public List<ApiKey> listAll() {
        return db.asSystem(h -> h.createQuery("SELECT * FROM app_api_keys").map(ApiKeyStore::map).list());
    }

    public void deleteAllOf(String appId) {
        db.asSystem(h -> h.createUpdate("DELETE FROM app_api_keys WHERE app_id = :app").bind("app", appId).execute());
    }

    private static ApiKey map(java.sql.ResultSet rs, org.jdbi.v3.core.statement.StatementContext ctx) throws java.sql.SQLException {
        return new ApiKey(rs.getString("id"), rs.getString("app_id"), rs.getString("owner"), rs.getString("name"),
                rs.getString("secret_hash"), Instant.ofEpochMilli(rs.getLong("created_at")));
    }
}
