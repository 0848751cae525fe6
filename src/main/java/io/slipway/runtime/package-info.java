/**
 * The sandbox runtime SPI: start, stop and reap the processes that run apps. A {@link
 * io.slipway.runtime.SandboxRuntime} knows nothing of HTTP, users or the lifecycle; {@code instances} decides when
 * to call it. Implementations live in sub-packages named after their mechanism.
 */
package io.slipway.runtime;
