package io.slipway.runtime;

import io.slipway.config.DataSize;

/**
 * What one sandbox may use: memory (its {@code /tmp} counts, being memory), processes and threads together, CPU in
 * cores, and the size of the app's persistent {@code /data}. Past the memory limit the kernel kills the app
 * ({@link SandboxExit#outOfMemory()}); past the pids limit {@code fork} fails; past the CPU limit the app is throttled;
 * past its storage, writes to {@code /data} fail with {@code ENOSPC} and the app keeps running.
 *
 * @param storage the size of the app's {@code /data}, which outlives the sandbox (sleep, wake, redeploys, restarts of
 *                Slipway) and goes only when the app is deleted ({@link SandboxRuntime#forget}); zero for none (builds)
 */
public record SandboxLimits(DataSize memory, int pids, double cpus, DataSize storage) {
    public SandboxLimits {
        if (memory.bytes() <= 0 || pids <= 0 || cpus <= 0) throw new IllegalArgumentException("limits must be positive: " + memory + ", " + pids + ", " + cpus);
    }

    /** Limits with no {@code /data}. */
    public SandboxLimits(DataSize memory, int pids, double cpus) {
        this(memory, pids, cpus, new DataSize(0));
    }

    /** Whether the sandbox gets a persistent {@code /data}. */
    public boolean hasStorage() {
        return storage.bytes() > 0;
    }
}
