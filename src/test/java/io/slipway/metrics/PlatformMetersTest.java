package io.slipway.metrics;

import static io.slipway.testing.PrometheusText.value;
import static org.assertj.core.api.Assertions.assertThat;

import io.slipway.app.Language;
import io.slipway.metering.ToolMeter;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Slipway's series as a Prometheus scrape shows them, from the events of its seams, in a real registry. */
class PlatformMetersTest {
    private final SlipwayMetrics metrics = new SlipwayMetrics();
    private final PlatformMeters meters = new PlatformMeters(metrics.registry());

    @Test
    void requestsAreCountedByAppAndCodeAndTimedByAppWithMadeUpIdsUnderNone() {
        meters.answered("app1", 200, TimeUnit.MILLISECONDS.toNanos(3));
        meters.answered("app1", 200, TimeUnit.MILLISECONDS.toNanos(700));
        meters.answered("app1", 502, TimeUnit.MILLISECONDS.toNanos(1));
        meters.answered(null, 404, TimeUnit.MILLISECONDS.toNanos(1));

        String scrape = metrics.scrape();
        assertThat(value(scrape, "slipway_proxy_requests_total{app=\"app1\",code=\"200\"}")).isEqualTo(2);
        assertThat(value(scrape, "slipway_proxy_requests_total{app=\"app1\",code=\"502\"}")).isEqualTo(1);
        assertThat(value(scrape, "slipway_proxy_requests_total{app=\"none\",code=\"404\"}")).isEqualTo(1);
        assertThat(value(scrape, "slipway_proxy_request_seconds_bucket{app=\"app1\",le=\"0.005\"}")).isEqualTo(2);
        assertThat(value(scrape, "slipway_proxy_request_seconds_bucket{app=\"app1\",le=\"1.0\"}")).isEqualTo(3);
        assertThat(value(scrape, "slipway_proxy_request_seconds_count{app=\"app1\"}")).isEqualTo(3);
    }

    @Test
    void startsBuildsAndRunningAppsAreCounted() {
        AtomicInteger running = new AtomicInteger(2);
        meters.countRunning(running::get);
        meters.onStart("app1", true, TimeUnit.MILLISECONDS.toNanos(400));
        meters.onStart("app1", false, TimeUnit.SECONDS.toNanos(3));
        meters.ended(Language.NODE, true, TimeUnit.SECONDS.toNanos(4));
        meters.ended(Language.PYTHON, false, TimeUnit.SECONDS.toNanos(1));
        meters.ended(Language.NODE, true, TimeUnit.SECONDS.toNanos(2));
        running.set(3);

        String scrape = metrics.scrape();
        assertThat(value(scrape, "slipway_app_starts_total{app=\"app1\",outcome=\"ready\"}")).isEqualTo(1);
        assertThat(value(scrape, "slipway_app_starts_total{app=\"app1\",outcome=\"failed\"}")).isEqualTo(1);
        assertThat(value(scrape, "slipway_app_start_seconds_bucket{le=\"0.5\"}")).isEqualTo(1);
        assertThat(value(scrape, "slipway_app_start_seconds_count")).isEqualTo(2);
        assertThat(value(scrape, "slipway_apps_running")).as("read at the scrape").isEqualTo(3);
        assertThat(value(scrape, "slipway_builds_total{outcome=\"built\"}")).isEqualTo(2);
        assertThat(value(scrape, "slipway_builds_total{outcome=\"failed\"}")).isEqualTo(1);
        assertThat(value(scrape, "slipway_build_seconds_sum")).isEqualTo(7);
    }

    @Test
    void toolCallsAreCountedByToolAndOutcomeWithABoundedNumberOfToolNamesPerApp() {
        meters.finished("mcp1", "add", false, TimeUnit.MILLISECONDS.toNanos(20));
        meters.finished("mcp1", "add", true, TimeUnit.MILLISECONDS.toNanos(20));
        int madeUp = PlatformMeters.MAX_TOOL_LABELS + 10;
        for (int i = 0; i < madeUp; i++) meters.finished("mcp1", "made-up-" + i, true, 1000);

        String scrape = metrics.scrape();
        assertThat(value(scrape, "slipway_mcp_tool_calls_total{app=\"mcp1\",outcome=\"ok\",tool=\"add\"}")).isEqualTo(1);
        assertThat(value(scrape, "slipway_mcp_tool_calls_total{app=\"mcp1\",outcome=\"error\",tool=\"add\"}")).isEqualTo(1);
        assertThat(value(scrape, "slipway_mcp_tool_call_seconds_count{app=\"mcp1\",tool=\"add\"}")).isEqualTo(2);
        assertThat(value(scrape, "slipway_mcp_tool_calls_total{app=\"mcp1\",outcome=\"error\",tool=\"" + ToolMeter.OTHER + "\"}"))
                .as("the names past the bound, add being the first").isEqualTo(11);
        assertThat(scrape.lines().filter(line -> line.startsWith("slipway_mcp_tool_calls_total{")).count())
                .isEqualTo(PlatformMeters.MAX_TOOL_LABELS + 2);
    }

    @Test
    void aDeletedAppsSeriesGoWithIt() {
        meters.answered("gone", 200, 1000);
        meters.onStart("gone", true, 1000);
        meters.finished("gone", "add", false, 1000);
        meters.answered("kept", 200, 1000);

        meters.forget("gone");

        String scrape = metrics.scrape();
        assertThat(scrape).doesNotContain("app=\"gone\"").contains("app=\"kept\"");
        meters.answered("kept", 200, 1000);
        assertThat(value(metrics.scrape(), "slipway_proxy_requests_total{app=\"kept\",code=\"200\"}")).isEqualTo(2);
    }

    @Test
    void theScrapeHasTheJvmsSeriesToo() {
        io.vertx.core.Vertx vertx = metrics.vertx(new io.vertx.core.VertxOptions(), io.vertx.core.transport.Transport.NIO);
        try {
            vertx.executeBlocking(() -> "used").await();
            assertThat(metrics.scrape()).contains("jvm_memory_used_bytes{", "jvm_threads_live_threads", "process_uptime_seconds",
                    "vertx_pool_usage_seconds_count{pool_name=\"vert.x-worker-thread\"");
        } finally {
            vertx.close().await();
        }
    }
}
