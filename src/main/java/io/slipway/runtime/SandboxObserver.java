package io.slipway.runtime;

/**
 * Told of what happens to a running sandbox beyond its end ({@link Sandbox#exited()}): today, that its app was
 * restarted under Slipway. Set with {@link Sandbox#observe}.
 */
@FunctionalInterface
public interface SandboxObserver {
    /**
     * The sandbox's app was restarted under Slipway: see {@link Sandbox#observe} for what the caller may assume. Called on
     * a thread of the runtime's, one restart at a time and in order for one sandbox; it must not block.
     */
    void restarted(SandboxRestart restart);
}
