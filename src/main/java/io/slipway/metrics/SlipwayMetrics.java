package io.slipway.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;

/**
 * The registry behind {@code /metrics}, and its Prometheus text: the JVM's memory, GC, threads, classes, CPU and
 * uptime; Vert.x reports into it too (its worker pools' use, TCP connections, Netty's buffers), except its per-request HTTP
 * series: the server's would time every request a second time, next to {@link PlatformMeters}' own series, and the
 * client's are labelled by the address dialled, which changes at each sandbox start. Thread-safe.
 */
public final class SlipwayMetrics implements AutoCloseable {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    /** Listens to the JVM's GC notifications until closed. */
    private final JvmGcMetrics gc = new JvmGcMetrics();

    public SlipwayMetrics() {
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** A Vert.x built with {@code options} on {@code transport} that reports into this registry. */
    public Vertx vertx(VertxOptions options, io.vertx.core.transport.Transport transport) {
        MicrometerMetricsOptions metrics = new MicrometerMetricsOptions().setEnabled(true)
                .setNettyMetricsEnabled(true).addDisabledMetricsCategory(MetricsDomain.HTTP_SERVER)
                .addDisabledMetricsCategory(MetricsDomain.HTTP_CLIENT);
        return Vertx.builder().with(options.setMetricsOptions(metrics)).withMetrics(new MicrometerMetricsFactory(registry))
                .withTransport(transport).build();
    }

    /** Every series, in the Prometheus text format. */
    public String scrape() {
        return registry.scrape();
    }

    /** Stops listening to the JVM (its GC notifications) and closes the registry. */
    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
