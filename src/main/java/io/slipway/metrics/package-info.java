/**
 * Metrics, on {@code /metrics} in Prometheus's text format (DESIGN §7): {@link io.slipway.metrics.SlipwayMetrics} owns
 * the Micrometer registry (with the JVM's, Netty's and Vert.x's own series, bar Vert.x's per-request HTTP ones) and
 * writes it out; {@link io.slipway.metrics.PlatformMeters} are Slipway's series, fed by the seams of the packages they
 * watch (the proxy's {@code ExchangeListener}, the instances' {@code LifecycleListener}, the builder's
 * {@code BuildListener}, the tool meter's {@code Listener}). Nothing outside the wiring depends on this package.
 */
package io.slipway.metrics;
