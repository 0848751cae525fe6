/**
 * The sandbox runtime SPI: start, stop, observe and reap the sandboxes that run apps, in terms every engine understands
 * — content-addressed {@link io.slipway.runtime.Artifact artifacts}, {@link io.slipway.runtime.SandboxLimits limits},
 * a {@link io.slipway.runtime.NetworkPolicy network policy}, labels and a {@link io.slipway.logs.LogSink log sink}; never
 * a host path or a host uid. A {@link io.slipway.runtime.SandboxRuntime} knows nothing of HTTP, users or the lifecycle;
 * {@code instances} decides when to call it. Implementations live in sub-packages named after their mechanism, each
 * owning every host-specific thing it needs.
 */
package io.slipway.runtime;
