package io.slipway.store;

import java.util.Optional;

/**
 * The {@code app_sources} table: the uploaded file each version of an app was built from, so that any replica sharing
 * the database can build it again. Written by deploys and read by the lifecycle, so in the system scope; each row
 * names its owner for row-level security.
 */
public final class SourceStore {
    /** What a version was built from. */
    public record Source(String fileName, byte[] content) {
    }

    private final Database db;

    public SourceStore(Database database) {
        this.db = database;
    }

    public void put(String appId, String owner, String codeHash, String fileName, byte[] content) {
        db.asSystem(h -> h.createUpdate("INSERT INTO app_sources (app_id, owner, code_hash, file_name, source) "
                        + "VALUES (:app, :owner, :hash, :file, :source) ON CONFLICT (app_id, code_hash) DO NOTHING")
                .bind("app", appId).bind("owner", owner).bind("hash", codeHash).bind("file", fileName).bind("source", content).execute());
    }

    public Optional<Source> find(String appId, String codeHash) {
        return db.asSystem(h -> h.createQuery("SELECT file_name, source FROM app_sources WHERE app_id = :app AND code_hash = :hash")
                .bind("app", appId).bind("hash", codeHash).map((rs, ctx) -> new Source(rs.getString(1), rs.getBytes(2))).findOne());
    }

    /** Removes the sources of the app's versions but those {@code kept} (the one serving, and its kept versions). */
    public void retainOnly(String appId, java.util.Set<String> kept) {
        db.asSystem(h -> h.createUpdate("DELETE FROM app_sources WHERE app_id = :app AND code_hash NOT IN (<kept>)")
                .bind("app", appId).bindList("kept", java.util.List.copyOf(kept)).execute());
    }

    public void deleteAllOf(String appId) {
        db.asSystem(h -> h.createUpdate("DELETE FROM app_sources WHERE app_id = :app").bind("app", appId).execute());
    }
}
