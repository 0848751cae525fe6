package io.slipway.config;

import java.time.Duration;
import java.util.Objects;

/**
 * What a user may have and use: how many apps, the sandbox limits of each, the longest {@code sleepAfter}, active
 * time per month, the requests per second each app accepts (with a burst of twice as many), and the MCP tool calls per
 * month across the user's apps ({@code toolCallsPerMonth}, 0 for no cap), how many of the user's apps may be always on
 * ({@code alwaysOn}, never put to sleep; 0 for none), the longest {@code requestTimeout} an app may set
 * ({@code maxRequestTimeout}), and the size of each app's persistent {@code /data} ({@code storage}, at least 8 MiB).
 * Plans are configured by name ({@code plans.<name>.<field>}); a user's plan comes from the trusted {@code plan} claim
 * of their token, and is {@link #DEFAULT} otherwise.
 */
public record Plan(String name, int apps, DataSize memory, double cpus, Duration maxSleepAfter, Duration activeTimePerMonth,
                   double requestsPerSecond, long toolCallsPerMonth,
                   int alwaysOn, Duration maxRequestTimeout, DataSize storage) {
    public static final String DEFAULT = "free";
    /** The smallest {@code /data} a plan may give: an ext4 file system smaller than this is mostly its own journal. */
    public static final DataSize MIN_STORAGE = DataSize.ofMebibytes(8);

    public Plan {
        Objects.requireNonNull(name, "name");
        if (apps < 0) throw new IllegalArgumentException("plans." + name + ".apps cannot be negative");
        if (memory.bytes() < 16L << 20) throw new IllegalArgumentException("plans." + name + ".memory must be at least 16MiB");
        if (cpus < 0.01) throw new IllegalArgumentException("plans." + name + ".cpus must be at least 0.01");
        if (toolCallsPerMonth < 0) throw new IllegalArgumentException("plans." + name + ".toolCallsPerMonth cannot be negative");
        if (requestsPerSecond <= 0) throw new IllegalArgumentException("plans." + name + ".requestsPerSecond must be positive");
        if (storage.bytes() < MIN_STORAGE.bytes()) throw new IllegalArgumentException("plans." + name + ".storage must be at least " + MIN_STORAGE);
        if (maxSleepAfter.compareTo(Duration.ofSeconds(1)) < 0) throw new IllegalArgumentException("plans." + name + ".maxSleepAfter must be at least 1s");
        if (alwaysOn < 0) throw new IllegalArgumentException("plans." + name + ".alwaysOn cannot be negative");
        if (maxRequestTimeout.compareTo(Duration.ofSeconds(1)) < 0) throw new IllegalArgumentException("plans." + name + ".maxRequestTimeout must be at least 1s");
    }
}
