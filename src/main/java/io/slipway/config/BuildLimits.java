package io.slipway.config;

import java.time.Duration;

/**
 * What package installs may take of the machine. Each build runs in control groups of its own: {@code memory} (its
 * {@code /tmp} counts, being a tmpfs of at most {@code tmpSize}), {@code cpus} and {@code pids}, so an install script
 * cannot exhaust the host for the length of {@code build.timeout}. At most {@code maxConcurrent} builds run at once
 * and {@code maxPerUser} of one user's; up to {@code maxQueued} more uploads wait for a turn, and past that an upload
 * is refused (429). A dependency set that no app uses is removed once it has been unused for {@code keepUnusedDeps}.
 */
public record BuildLimits(DataSize memory, double cpus, int pids, DataSize tmpSize, int maxConcurrent, int maxPerUser,
                          int maxQueued, Duration keepUnusedDeps) {
    public BuildLimits {
        if (memory.bytes() < 64L << 20) throw new IllegalArgumentException("build.memory must be at least 64MiB");
        if (cpus <= 0) throw new IllegalArgumentException("build.cpus must be positive");
        if (pids < 16) throw new IllegalArgumentException("build.pids must be at least 16");
        if (tmpSize.bytes() < 1 << 20) throw new IllegalArgumentException("build.tmpSize must be at least 1MiB");
        if (maxConcurrent < 1 || maxPerUser < 1) throw new IllegalArgumentException("build.maxConcurrent and build.maxPerUser must be at least 1");
        if (maxQueued < 0) throw new IllegalArgumentException("build.maxQueued cannot be negative");
        if (keepUnusedDeps.isNegative()) throw new IllegalArgumentException("build.keepUnusedDeps cannot be negative");
    }
}
