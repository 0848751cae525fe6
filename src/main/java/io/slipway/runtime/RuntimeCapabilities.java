package io.slipway.runtime;

/**
 * What a runtime can do beyond the contract that every runtime keeps, so that callers (and the contract suite) ask
 * instead of assuming.
 *
 * @param internetEgress whether {@link NetworkPolicy#INTERNET} can be given on this Slipway as configured
 * @param listeningSockets whether {@link Sandbox#listening()} can tell where an app listens
 * @param isolated       whether sandboxes are isolated at all (false only for the unsandboxed process runtime, which
 *                       runs apps as Slipway's own user, for development)
 * @param restartsUnderSlipway whether a sandbox's app can be restarted under Slipway, the sandbox staying (a pod's
 *                       container, by its kubelet), which its {@link Sandbox#observe observer} is told; where false, an
 *                       app's process ending is its sandbox's end ({@link Sandbox#exited()})
 */
public record RuntimeCapabilities(boolean internetEgress, boolean listeningSockets, boolean isolated, boolean restartsUnderSlipway) {
}
