package io.slipway.runtime;

import io.slipway.config.DataSize;

/**
 * What one sandbox may use: memory (its {@code /tmp} counts, being memory), processes and threads together, and CPU in
 * cores. Past the memory limit the kernel kills the app ({@link SandboxExit#outOfMemory()}); past the pids limit
 * {@code fork} fails; past the CPU limit the app is throttled.
 */
public record SandboxLimits(DataSize memory, int pids, double cpus) {
    public SandboxLimits {
        if (memory.bytes() <= 0 || pids <= 0 || cpus <= 0) throw new IllegalArgumentException("limits must be positive: " + memory + ", " + pids + ", " + cpus);
    }
}
