package io.slipway.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.slipway.app.AppStatus;
import io.slipway.app.Language;
import io.slipway.build.BuildListener;
import io.slipway.instances.LifecycleListener;
import io.slipway.metering.ToolMeter;
import io.slipway.proxy.ExchangeListener;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * Slipway's own series (DESIGN §7), labelled by app only with ids of deployed apps (a request for a made-up id counts
 * under {@code app="none"}) and by tool with at most {@link #MAX_TOOL_LABELS} names per app (calls of others, which a
 * client may make up, count as {@link ToolMeter#OTHER}), so no label takes unbounded values from user input; a deleted
 * app's series go with it ({@link #forget}):
 * <ul>
 * <li>{@code slipway_proxy_requests_total{app,code}}, {@code slipway_proxy_request_seconds{app}} (a histogram of the
 *     time to the answer's headers: a stream's whole life would swamp it);
 * <li>{@code slipway_app_starts_total{app,outcome}} ({@code ready|failed}), {@code slipway_app_start_seconds} (a
 *     histogram), {@code slipway_apps_running};
 * <li>{@code slipway_builds_total{outcome}} ({@code built|failed}), {@code slipway_build_seconds};
 * <li>{@code slipway_mcp_tool_calls_total{app,tool,outcome}} ({@code ok|error}), {@code slipway_mcp_tool_call_seconds{app,tool}}.
 * </ul>
 * Its listener methods are called on event loops and build and start threads; none blocks.
 */
public final class PlatformMeters implements ExchangeListener, LifecycleListener, BuildListener, ToolMeter.Listener {
    static final String APP = "app";
    private static final String NO_APP = "none";
    private static final Duration[] REQUEST_BUCKETS = durations(1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000);
    private static final Duration[] START_BUCKETS = durations(100, 250, 500, 1000, 2000, 5000, 10_000, 20_000, 30_000, 60_000, 120_000);

    /** Distinct tool names labelled per app; calls of further names count under {@link ToolMeter#OTHER}. */
    static final int MAX_TOOL_LABELS = 50;

    /** One app's series, kept so that a request costs no lookup by tags. */
    private record AppSeries(Timer requests, Map<Integer, Counter> byCode, Map<String, Boolean> toolLabels) {
        /** {@code tool}, or {@link ToolMeter#OTHER} once {@link #MAX_TOOL_LABELS} other names have been labelled. */
        String toolLabel(String tool) {
            if (toolLabels.containsKey(tool)) return tool;
            synchronized (toolLabels) {
                if (toolLabels.size() >= MAX_TOOL_LABELS) return ToolMeter.OTHER;
                toolLabels.put(tool, Boolean.TRUE);
                return tool;
            }
        }
    }

    private final MeterRegistry registry;
    private final Map<String, AppSeries> apps = new ConcurrentHashMap<>();
    private final Timer startTime;
    private final Timer buildTime;

    public PlatformMeters(MeterRegistry registry) {
        this.registry = registry;
        this.startTime = Timer.builder("slipway.app.start").description("Time from a sandbox's start to its app's readiness, or its failure")
                .serviceLevelObjectives(START_BUCKETS).register(registry);
        this.buildTime = Timer.builder("slipway.build").description("Time a build took, install of its dependencies included")
                .register(registry);
        apps.put(NO_APP, series(NO_APP));
    }

    /** {@code slipway_apps_running}, read from {@code running} at each scrape. */
    public PlatformMeters countRunning(IntSupplier running) {
        Gauge.builder("slipway.apps.running", running, IntSupplier::getAsInt).strongReference(true)
                .description("Apps with a sandbox that runs now").register(registry);
        return this;
    }

    @Override
    public void answered(String appId, int status, long nanos) {
        AppSeries series = apps.computeIfAbsent(appId == null ? NO_APP : appId, this::series);
        series.requests().record(nanos, TimeUnit.NANOSECONDS);
        series.byCode().computeIfAbsent(status, code -> Counter.builder("slipway.proxy.requests")
                .description("Requests of the data plane, by app and status code").tags(APP, appId == null ? NO_APP : appId,
                        "code", Integer.toString(code)).register(registry)).increment();
    }

    @Override
    public void onStatus(String appId, AppStatus status, String error, Instant lastActiveAt) {
        // Statuses are the store's; the running apps are counted at each scrape.
    }

    @Override
    public void onStart(String appId, boolean ready, long nanos) {
        startTime.record(nanos, TimeUnit.NANOSECONDS);
        registry.counter("slipway.app.starts", APP, appId, "outcome", ready ? "ready" : "failed").increment();
    }

    @Override
    public void ended(Language language, boolean built, long nanos) {
        buildTime.record(nanos, TimeUnit.NANOSECONDS);
        registry.counter("slipway.builds", "outcome", built ? "built" : "failed").increment();
    }

    @Override
    public void finished(String appId, String tool, boolean error, long nanos) {
        String label = apps.computeIfAbsent(appId, this::series).toolLabel(tool);
        registry.counter("slipway.mcp.tool.calls", APP, appId, "tool", label, "outcome", error ? "error" : "ok").increment();
        registry.timer("slipway.mcp.tool.call", APP, appId, "tool", label).record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Drops every series of {@code appId}, which was deleted. */
    public void forget(String appId) {
        apps.remove(appId);
        for (Meter meter : registry.getMeters()) {
            if (appId.equals(meter.getId().getTag(APP))) registry.remove(meter);
        }
    }

    private AppSeries series(String appId) {
        Timer requests = Timer.builder("slipway.proxy.request").description("Time from a request's arrival to its answer's headers")
                .tags(APP, appId).serviceLevelObjectives(REQUEST_BUCKETS).register(registry);
        return new AppSeries(requests, new ConcurrentHashMap<>(), new ConcurrentHashMap<>());
    }

    private static Duration[] durations(long... millis) {
        Duration[] buckets = new Duration[millis.length];
        for (int i = 0; i < millis.length; i++) buckets[i] = Duration.ofMillis(millis[i]);
        return buckets;
    }
}
