package io.slipway.runtime;

import java.util.Set;

/**
 * Starts, observes and reaps the sandboxes that run apps: one implementation per mechanism ({@code process},
 * {@code docker}, {@code kubernetes}), each passing the shared contract suite ({@code SandboxRuntimeContract} in the
 * tests). A runtime knows nothing of HTTP, users or the lifecycle: {@code instances} decides when to call it. Two
 * sandboxes of one app can run at once, each from its own artifact: a redeploy starts the new version beside the one
 * serving, and stops that one only once the new one answers. Thread-safe.
 */
public interface SandboxRuntime extends AutoCloseable {
    /** The name used in configuration and logs: {@code process}, {@code docker}, {@code kubernetes}. */
    String name();

    /** What this runtime can do beyond the contract, as configured. */
    RuntimeCapabilities capabilities();

    /**
     * Starts the app. Returns once the sandbox exists, before the app listens: readiness is the caller's to probe, at
     * {@link Sandbox#address()}.
     *
     * @throws SandboxStartException naming the cause when the sandbox cannot be created
     */
    Sandbox start(SandboxSpec spec);

    /**
     * The app is deleted and its sandbox stopped: drops whatever the runtime keeps for it between starts (a host uid,
     * an image, a volume). Nothing, for a runtime that keeps nothing.
     */
    default void forget(String appId) {
    }

    /**
     * The bytes the app's files take in its persistent {@code /data} ({@link SandboxLimits#storage()}), where this
     * runtime can tell, asleep or awake; empty where it cannot. Cheap: a caller may ask for every app it lists.
     */
    default java.util.OptionalLong storageUsed(String appId) {
        return java.util.OptionalLong.empty();
    }

    /**
     * Deals with the sandboxes an earlier run of this Slipway (same data dir) left: adopts those it can take over and
     * removes the rest; {@code knownApps} are the apps still stored, anything else is removed. Called once, at start,
     * before any {@link #start}.
     */
    Leftovers adoptOrReap(Set<String> knownApps);

    /**
     * The preflight: whether this host still gives what the runtime relies on, its tools and the isolation it set up
     * (a firewall, an engine's API). Reports what it finds rather than throwing. Blocks, and may run host commands or
     * calls for some milliseconds: a caller that asks often (a readiness probe) keeps the answer for a moment.
     */
    Preflight check();

    /** Releases what the runtime set up on its host (a firewall, a client). Call after every sandbox stopped. */
    @Override
    void close();
}
