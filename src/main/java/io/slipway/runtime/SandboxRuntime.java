package io.slipway.runtime;

/**
 * Starts and reaps sandboxes. Every implementation passes the shared contract test suite.
 */
public interface SandboxRuntime {
    /** The name used in configuration and logs: {@code process}, {@code docker}, {@code kubernetes}. */
    String name();

    /**
     * Starts the app. Returns once the process exists, before it listens.
     *
     * @throws SandboxStartException naming the cause when the sandbox cannot be created
     */
    Sandbox start(SandboxSpec spec);

    /** Removes sandboxes left behind by an earlier run of this Slipway (same data dir); returns how many. */
    int reapOrphans();

    /**
     * The preflight: whether this host still gives what the runtime relies on, its tools and the isolation it set up
     * (a firewall, say). Reports what it finds rather than throwing. Blocks, and may run host commands for some
     * milliseconds: a caller that asks often (a readiness probe) keeps the answer for a moment.
     */
    Preflight check();
}
