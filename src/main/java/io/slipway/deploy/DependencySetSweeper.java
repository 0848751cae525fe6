package io.slipway.deploy;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes the dependency sets no app uses, in the background: at start and then every half of {@code keep} (at most
 * every ten minutes), each set being removed once it has been unused for {@code keep} ({@code build.keepUnusedDeps}).
 * Without it, every distinct set of requirements ever uploaded would stay on disk for good.
 */
public final class DependencySetSweeper implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DependencySetSweeper.class);

    private final ScheduledExecutorService executor =
            Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("slipway-deps-sweeper").daemon().factory());

    private DependencySetSweeper() {
    }

    public static DependencySetSweeper start(Deployments deployments, Duration keep) {
        DependencySetSweeper sweeper = new DependencySetSweeper();
        long every = Math.clamp(keep.toMillis() / 2, 100, TimeUnit.MINUTES.toMillis(10));
        sweeper.executor.scheduleWithFixedDelay(() -> {
            try {
                deployments.removeUnusedDependencySets(keep);
            } catch (RuntimeException e) {
                LOG.warn("could not remove unused dependency sets: {}", e.toString());
            }
        }, 0, every, TimeUnit.MILLISECONDS);
        return sweeper;
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
