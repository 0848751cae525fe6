package io.slipway.mcp;

import io.slipway.app.App;
import io.slipway.store.McpRecordStore;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The MCP records of every app's versions ({@link McpRecord}), in the store and in memory: the data plane reads them on
 * its event loops, so {@link #of} never blocks (the records of the stored apps are loaded at start, and each new one is
 * kept as it is made). A version is its code digest with its MCP path: a redeploy of new code, or of another
 * {@code mcp} setting, is discovered again.
 */
public final class McpRecords {
    private final McpRecordStore store;
    // appId → versionKey → the record, or empty for a version that is not an MCP server
    private final Map<String, Map<String, Optional<McpRecord>>> known = new ConcurrentHashMap<>();

    public McpRecords(McpRecordStore store) {
        this.store = store;
    }

    /** Reads the records of the apps' current versions: at start, before the data plane serves. */
    public void load(List<App> apps) {
        for (App app : apps) {
            store.find(app.id(), versionKey(app)).ifPresent(text -> remember(app, text.isEmpty() ? Optional.empty()
                    : Optional.of(McpRecord.fromJson(new JsonObject(text)))));
        }
    }

    /** The record of the app's version if it is a recognised MCP server; empty otherwise, or not discovered yet. Never blocks. */
    public Optional<McpRecord> of(App app) {
        return known.getOrDefault(app.id(), Map.of()).getOrDefault(versionKey(app), Optional.empty());
    }

    /** Whether the app's version has been discovered, as an MCP server or not. */
    boolean discovered(App app) {
        return known.getOrDefault(app.id(), Map.of()).containsKey(versionKey(app));
    }

    /**
     * Keeps what discovery found of the app's version: its record, or empty when it is not an MCP server. Only the newest
     * version's is kept: a redeploy's, which discovery finds before traffic moves to it; the version it replaces is
     * then discovered again at its next start, should it still start.
     */
    void put(App app, Optional<McpRecord> record) {
        String key = versionKey(app);
        store.put(app.id(), app.owner(), key, record.map(r -> r.toJson().encode()).orElse(""),
                record.map(McpRecord::checkedAt).orElse(Instant.now()));
        store.retainOnly(app.id(), key);
        Map<String, Optional<McpRecord>> only = new ConcurrentHashMap<>();
        only.put(key, record);
        known.put(app.id(), only);
    }

    /** The server JSON's {@code mcp}, for a recognised MCP server. */
    public Optional<JsonObject> summary(App app) {
        return of(app).map(r -> r.summary(McpDiscovery.PROTOCOL_VERSIONS.getFirst()));
    }

    /** The app was deleted: its records go. */
    public void forget(String appId) {
        known.remove(appId);
        store.deleteAllOf(appId);
    }

    private void remember(App app, Optional<McpRecord> record) {
        known.computeIfAbsent(app.id(), id -> new ConcurrentHashMap<>()).put(versionKey(app), record);
    }

    static String versionKey(App app) {
        return app.codeHash() + " " + app.mcpPath().orElse(App.MCP_OFF);
    }
}
