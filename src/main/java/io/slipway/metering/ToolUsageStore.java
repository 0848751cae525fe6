package io.slipway.metering;

import io.slipway.store.Database;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The {@code tool_usage} table: one row per app, month and tool, only ever added to. Queries run in the owner's scope,
 * except the two that {@link ToolMeter} reads once at start ({@link #callsByOwner}, {@link #namesByApp}).
 */
public final class ToolUsageStore {
    private record Row(String appId, String tool, ToolStats stats) {
    }

    private final Database db;

    public ToolUsageStore(Database database) {
        this.db = database;
    }

    /** Adds {@code used} (by tool) to the app's rows of the month of {@code at}, in one transaction. */
    public void add(String appId, String owner, Instant at, Map<String, ToolStats> used) {
        if (used.isEmpty()) return;
        String month = UsageStore.month(at);
        db.asUser(owner, h -> {
            var batch = h.prepareBatch("INSERT INTO tool_usage (app_id, owner, month, tool, calls, errors, micros) "
                    + "VALUES (:app, :owner, :month, :tool, :calls, :errors, :micros) ON CONFLICT (app_id, month, tool) DO UPDATE SET "
                    + "calls = tool_usage.calls + excluded.calls, errors = tool_usage.errors + excluded.errors, "
                    + "micros = tool_usage.micros + excluded.micros");
            used.forEach((tool, stats) -> batch.bind("app", appId).bind("owner", owner).bind("month", month).bind("tool", tool)
                    .bind("calls", stats.calls()).bind("errors", stats.errors()).bind("micros", stats.micros()).add());
            return batch.execute();
        });
    }

    /** The owner's use of tools in the month: by app id, then by tool (sorted). */
    public Map<String, Map<String, ToolStats>> forOwner(String owner, String month) {
        Map<String, Map<String, ToolStats>> byApp = new HashMap<>();
        db.asUser(owner, h -> h.createQuery("SELECT app_id, tool, calls, errors, micros FROM tool_usage WHERE owner = :owner AND month = :month")
                .bind("owner", owner).bind("month", month)
                .map((rs, ctx) -> new Row(rs.getString(1), rs.getString(2), new ToolStats(rs.getLong(3), rs.getLong(4), rs.getLong(5))))
                .list())
                .forEach(row -> byApp.computeIfAbsent(row.appId(), id -> new TreeMap<>()).put(row.tool(), row.stats()));
        return byApp;
    }

    /** Every user's tool calls in the month, apps deleted since included: what their plans' caps are measured against. */
    public Map<String, Long> callsByOwner(String month) {
        Map<String, Long> calls = new HashMap<>();
        db.asSystem(h -> h.createQuery("SELECT owner, SUM(calls) FROM tool_usage WHERE month = :month GROUP BY owner")
                .bind("month", month).map((rs, ctx) -> Map.entry(rs.getString(1), rs.getLong(2))).list())
                .forEach(e -> calls.put(e.getKey(), e.getValue()));
        return calls;
    }

    /** The tool names stored for each app in the month: those that count against the app's bound on names. */
    public Map<String, Set<String>> namesByApp(String month) {
        Map<String, Set<String>> names = new HashMap<>();
        db.asSystem(h -> h.createQuery("SELECT app_id, tool FROM tool_usage WHERE month = :month").bind("month", month)
                .map((rs, ctx) -> Map.entry(rs.getString(1), rs.getString(2))).list())
                .forEach(e -> names.computeIfAbsent(e.getKey(), id -> new HashSet<>()).add(e.getValue()));
        return names;
    }
}
