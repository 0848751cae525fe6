package io.slipway.runtime;

/**
 * What {@link SandboxRuntime#adoptOrReap} found of an earlier run of this Slipway: sandboxes it took over (which keep
 * running under the new run) and sandboxes it removed.
 */
public record Leftovers(int adopted, int reaped) {
    public static final Leftovers NONE = new Leftovers(0, 0);
}
