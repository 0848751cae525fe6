package io.slipway.metering;

import java.time.InstantSource;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * This month's use as the API shows it: what the store holds plus what the running instances have used since their
 * last flush, so that figures are live rather than up to {@code metering.flushInterval} old.
 */
public final class LiveUsage {
    private final UsageStore store;
    private final Function<String, Usage> unwritten;
    private final InstantSource clock;
    private final ToolUsageStore toolStore;
    private final ToolMeter tools;
    private final Function<String, java.util.OptionalLong> storage;

    /**
     * @param unwritten each app's use not in the store yet, by app id ({@link Usage#NONE} for none)
     * @param tools     MCP servers' tool calls, of which {@code toolStore} holds what was flushed
     */
    public LiveUsage(UsageStore store, Function<String, Usage> unwritten, InstantSource clock, ToolUsageStore toolStore, ToolMeter tools) {
        this(store, unwritten, clock, toolStore, tools, app -> java.util.OptionalLong.empty());
    }

    /** @param storage the bytes each app's files take in its {@code /data}, by app id, where the runtime can tell */
    public LiveUsage(UsageStore store, Function<String, Usage> unwritten, InstantSource clock, ToolUsageStore toolStore, ToolMeter tools,
                     Function<String, java.util.OptionalLong> storage) {
        this.storage = storage;
        this.store = store;
        this.unwritten = unwritten;
        this.clock = clock;
        this.toolStore = toolStore;
        this.tools = tools;
    }

    /** The month the figures are for: the current one, UTC. */
    public String month() {
        return UsageStore.month(clock.instant());
    }

    /**
     * The owner's use this month by app id: every app with stored use (deleted ones included), and {@code apps} with
     * their unwritten use added.
     */
    public Map<String, UsageStore.Row> forOwner(String owner, Collection<String> apps) {
        String month = month();
        Map<String, UsageStore.Row> rows = new HashMap<>();
        store.forOwner(owner, month).forEach(r -> rows.put(r.appId(), r));
        for (String app : apps) {
            Usage live = unwritten.apply(app);
            if (live.isEmpty()) continue;
            UsageStore.Row stored = rows.getOrDefault(app, new UsageStore.Row(app, month, 0, 0, 0, 0));
            rows.put(app, new UsageStore.Row(app, month, stored.activeUnits() + live.activeMillis() / 10, stored.requests() + live.requests(),
                    stored.bytesIn() + live.bytesIn(), stored.bytesOut() + live.bytesOut()));
        }
        return rows;
    }

    /**
     * The owner's use of tools this month by app id, then by tool: what the store holds plus what is not written yet,
     * for {@code apps}; apps with no tool calls are left out.
     */
    public Map<String, Map<String, ToolStats>> toolsForOwner(String owner, Collection<String> apps) {
        Map<String, Map<String, ToolStats>> byApp = toolStore.forOwner(owner, month());
        for (String app : apps) {
            Map<String, ToolStats> live = tools.unwritten(app);
            if (live.isEmpty()) continue;
            Map<String, ToolStats> merged = new java.util.TreeMap<>(byApp.getOrDefault(app, Map.of()));
            live.forEach((tool, stats) -> merged.merge(tool, stats, ToolStats::plus));
            byApp.put(app, merged);
        }
        return byApp;
    }

    /** The owner's tool calls this month, live: what their plan's {@code toolCallsPerMonth} is measured against. */
    public long toolCalls(String owner) {
        return tools.callsThisMonth(owner);
    }

    /** The bytes the app's files take in its persistent {@code /data} now, or null where the runtime cannot tell. */
    public Long storageBytes(String appId) {
        java.util.OptionalLong used = storage.apply(appId);
        return used.isPresent() ? used.getAsLong() : null;
    }
}
