package io.slipway.store;

import java.time.Instant;
import java.util.Optional;

/**
 * The {@code mcp_records} table: what each version of an app answered to MCP discovery, as text that {@code
 * io.slipway.mcp} reads and writes ({@code ""}: that version is not an MCP server). Written by the lifecycle and read
 * by the data plane, so in the system scope; each row names its owner for row-level security.
 */
public final class McpRecordStore {
    private final Database db;

    public McpRecordStore(Database database) {
        this.db = database;
    }

    /** Stores the record of {@code appId}'s version {@code versionKey}, replacing an older one of that version. */
    public void put(String appId, String owner, String versionKey, String record, Instant checkedAt) {
        db.asSystem(h -> h.createUpdate("INSERT INTO mcp_records (app_id, owner, version_key, record, checked_at) "
                        + "VALUES (:app, :owner, :key, :record, :at) ON CONFLICT (app_id, version_key) "
                        + "DO UPDATE SET record = excluded.record, checked_at = excluded.checked_at")
                .bind("app", appId).bind("owner", owner).bind("key", versionKey).bind("record", record)
                .bind("at", checkedAt.toEpochMilli()).execute());
    }

    public Optional<String> find(String appId, String versionKey) {
        return db.asSystem(h -> h.createQuery("SELECT record FROM mcp_records WHERE app_id = :app AND version_key = :key")
                .bind("app", appId).bind("key", versionKey).mapTo(String.class).findOne());
    }

    /** Removes the records of the app's versions but {@code versionKey} (the one serving). */
    public void retainOnly(String appId, String versionKey) {
        db.asSystem(h -> h.createUpdate("DELETE FROM mcp_records WHERE app_id = :app AND version_key <> :key")
                .bind("app", appId).bind("key", versionKey).execute());
    }

    public void deleteAllOf(String appId) {
        db.asSystem(h -> h.createUpdate("DELETE FROM mcp_records WHERE app_id = :app").bind("app", appId).execute());
    }
}
