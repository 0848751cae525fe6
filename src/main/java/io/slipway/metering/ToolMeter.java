package io.slipway.metering;

import java.time.Instant;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tool calls of MCP servers as the proxy sees them: counted per app and tool, with their errors and time, written to
 * the {@link ToolUsageStore} at every {@link #flush} (each {@code metering.flushInterval}), and live until then; and
 * each user's calls this month against their plan's {@code toolCallsPerMonth}, checked and counted in memory without
 * blocking (loaded from the store at start, then counted as calls are made).
 *
 * <p>Tool names are app- and client-controlled strings, so what is kept of them is bounded: at most {@link #MAX_TOOLS}
 * names per app and month, stored ones included; calls of any further name are counted under {@link #OTHER}. Methods
 * may be called from any thread; only {@link #flush} blocks.
 */
public final class ToolMeter {
    /** Distinct tool names kept per app and month; further names are counted under {@link #OTHER}. */
    public static final int MAX_TOOLS = 200;
    public static final String OTHER = io.slipway.mcp.ToolCalls.OTHER;
    private static final Logger LOG = LoggerFactory.getLogger(ToolMeter.class);

    /** What a metrics exporter hears of every call (issue 18); called on event loops, so it must not block. */
    public interface Listener {
        Listener NONE = new Listener() { };

        /** A call of {@code tool} went to the app. */
        default void called(String appId, String tool) {
        }

        /** The call's outcome: its response was seen ({@code nanos} after it was sent), or its answer ended without one. */
        default void finished(String appId, String tool, boolean error, long nanos) {
        }
    }

    /** One app's tools. Guarded by itself. */
    private static final class AppTools {
        final String owner;
        /** The names that count against {@link #MAX_TOOLS} this month: stored, pending or being written; never OTHER. */
        final Set<String> known = new HashSet<>();
        Map<String, ToolStats> pending = new HashMap<>();
        Map<String, ToolStats> writing = new HashMap<>();

        AppTools(String owner) {
            this.owner = owner;
        }
    }

    private final ToolUsageStore store;
    private final InstantSource clock;
    private final Listener listener;
    private final ConcurrentHashMap<String, AppTools> apps = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Long> callsByOwner = new ConcurrentHashMap<>();
    /** Names stored this month per app, for apps not called since the start. Read once, then moved into AppTools. */
    private final Map<String, Set<String>> storedNames = new ConcurrentHashMap<>();
    private volatile String month;

    public ToolMeter(ToolUsageStore store, InstantSource clock, Listener listener) {
        this.store = store;
        this.clock = clock;
        this.listener = listener;
        this.month = UsageStore.month(clock.instant());
        callsByOwner.putAll(store.callsByOwner(month));
        storedNames.putAll(store.namesByApp(month));
    }

    /**
     * A call of {@code tool} to one of {@code owner}'s apps, counted unless the owner has made {@code monthlyCap} calls
     * this month already (0: no cap). Never blocks.
     *
     * @return the name the call is counted under ({@code tool}, or {@link #OTHER} past the app's bound on names), or
     *     null when it is refused: the cap is reached, and nothing was counted
     */
    public String call(String appId, String owner, String tool, long monthlyCap) {
        rollOver();
        boolean[] admitted = {false};
        callsByOwner.compute(owner, (o, calls) -> {
            long made = calls == null ? 0 : calls;
            if (monthlyCap > 0 && made >= monthlyCap) return calls;
            admitted[0] = true;
            return made + 1;
        });
        if (!admitted[0]) return null;
        AppTools tools = apps.computeIfAbsent(appId, id -> newAppTools(id, owner));
        String counted;
        synchronized (tools) {
            counted = tool.equals(OTHER) || tools.known.contains(tool) || tools.known.size() < MAX_TOOLS ? tool : OTHER;
            if (!counted.equals(OTHER)) tools.known.add(counted);
            tools.pending.merge(counted, new ToolStats(1, 0, 0), ToolStats::plus);
        }
        listener.called(appId, counted);
        return counted;
    }

    /** The outcome of a call that {@link #call} counted, under the name it returned. Never blocks. */
    public void finished(String appId, String counted, boolean error, long nanos) {
        AppTools tools = apps.get(appId);
        if (tools == null) return; // deleted meanwhile
        synchronized (tools) {
            tools.pending.merge(counted, new ToolStats(0, error ? 1 : 0, nanos / 1_000), ToolStats::plus);
        }
        listener.finished(appId, counted, error, nanos);
    }

    /** The owner's tool calls this month, counted so far (live). */
    public long callsThisMonth(String owner) {
        rollOver();
        return callsByOwner.getOrDefault(owner, 0L);
    }

    /** How long until every user's calls count from zero again: the first instant of next month, UTC. */
    public java.time.Duration untilNextMonth() {
        Instant now = clock.instant();
        Instant next = java.time.YearMonth.from(now.atZone(java.time.ZoneOffset.UTC)).plusMonths(1).atDay(1)
                .atStartOfDay(java.time.ZoneOffset.UTC).toInstant();
        return java.time.Duration.between(now, next);
    }

    /** What the app's tools have used that the store does not hold yet, by tool. */
    public Map<String, ToolStats> unwritten(String appId) {
        AppTools tools = apps.get(appId);
        if (tools == null) return Map.of();
        synchronized (tools) {
            Map<String, ToolStats> all = new HashMap<>(tools.writing);
            tools.pending.forEach((tool, stats) -> all.merge(tool, stats, ToolStats::plus));
            return all;
        }
    }

    /** Writes what every app's tools have used since the last flush. Blocks; a write that fails is tried again next time. */
    public void flush() {
        Instant now = clock.instant();
        apps.forEach((appId, tools) -> {
            Map<String, ToolStats> taken;
            synchronized (tools) {
                if (tools.pending.isEmpty()) return;
                taken = tools.pending;
                tools.pending = new HashMap<>();
                taken.forEach((tool, stats) -> tools.writing.merge(tool, stats, ToolStats::plus));
            }
            try {
                store.add(appId, tools.owner, now, taken);
                synchronized (tools) {
                    taken.forEach((tool, stats) -> tools.writing.computeIfPresent(tool, (t, w) -> w.minus(stats).isEmpty() ? null : w.minus(stats)));
                }
            } catch (RuntimeException e) {
                synchronized (tools) {
                    taken.forEach((tool, stats) -> {
                        tools.writing.computeIfPresent(tool, (t, w) -> w.minus(stats).isEmpty() ? null : w.minus(stats));
                        tools.pending.merge(tool, stats, ToolStats::plus);
                    });
                }
                LOG.warn("could not record the tool use of app {} (it is kept for the next flush): {}", appId, e.getMessage());
            }
        });
    }

    /** The app was deleted: what is not written of it goes (its rows stay, as its other use does). */
    public void forget(String appId) {
        apps.remove(appId);
        storedNames.remove(appId);
    }

    private AppTools newAppTools(String appId, String owner) {
        AppTools tools = new AppTools(owner);
        Set<String> stored = storedNames.remove(appId);
        if (stored != null) stored.stream().filter(name -> !name.equals(OTHER)).forEach(tools.known::add);
        return tools;
    }

    /** A new month counts every user's calls from zero and every app's names afresh. */
    private void rollOver() {
        String now = UsageStore.month(clock.instant());
        if (now.equals(month)) return;
        synchronized (this) {
            if (now.compareTo(month) <= 0) return;
            month = now;
            callsByOwner.clear();
            storedNames.clear();
            apps.values().forEach(tools -> {
                synchronized (tools) {
                    tools.known.clear();
                    tools.pending.keySet().stream().filter(name -> !name.equals(OTHER)).forEach(tools.known::add);
                }
            });
        }
    }
}
