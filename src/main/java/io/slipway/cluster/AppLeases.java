package io.slipway.cluster;

import io.slipway.instances.InstanceUnavailableException;
import io.slipway.instances.StartGate;
import io.slipway.store.ClusterStore;
import java.time.Duration;
import java.time.InstantSource;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each app runs on one replica at a time: the one holding its lease ({@code app_leases}). A start here claims it
 * ({@link #claim}, refused while another replica holds an unexpired one); every third of {@code cluster.leasePeriod}
 * this replica renews all it holds, and stops its copy of any app whose lease it no longer holds (another replica took
 * it over after this one failed to renew in time, or the app was deleted); a stop releases it. The guarantee is the
 * lease's: a replica stalled past its lease period may run an app beside its new holder until its next renewal, a
 * third of a period later, finds out.
 */
public final class AppLeases implements StartGate, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AppLeases.class);

    private final ClusterStore store;
    private final Replica replica;
    private final InstantSource clock;
    private final Duration period;
    private final ScheduledExecutorService renewal = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("slipway-leases").daemon().factory());

    public AppLeases(ClusterStore store, Replica replica, InstantSource clock, Duration period) {
        this.store = store;
        this.replica = replica;
        this.clock = clock;
        this.period = period;
    }

    /**
     * Renews this replica's leases every third of the period from now on; {@code lost} is told of each app that runs
     * here ({@code live}: the running ones, not those starting) but whose lease is no longer this replica's, with why.
     */
    public AppLeases renewEveryThirdOfThePeriod(Supplier<List<String>> live, BiConsumer<String, String> lost) {
        long every = Math.max(period.toMillis() / 3, 100);
        renewal.scheduleWithFixedDelay(() -> renew(live, lost), every, every, TimeUnit.MILLISECONDS);
        return this;
    }

    @Override
    public void claim(String appId) {
        ClusterStore.Lease lease = store.acquire(appId, replica.id(), replica.url().get(), clock.instant(), period);
        if (!lease.heldBy(replica.id())) {
            LOG.info("app {} runs on replica {} ({}) until {} at least: not started here", appId, lease.holder(), lease.holderUrl(),
                    lease.expiresAt());
            throw InstanceUnavailableException.heldElsewhere();
        }
    }

    @Override
    public void released(String appId) {
        store.release(appId, replica.id());
    }

    /** The app was deleted: its lease goes, wherever it is held. */
    public void forget(String appId) {
        store.forget(appId);
    }

    private void renew(Supplier<List<String>> live, BiConsumer<String, String> lost) {
        try {
            // The running apps first: each claimed its lease before it started, so one missing from what is renewed
            // after was taken over (a start claiming meanwhile is not among them).
            List<String> running = live.get();
            Set<String> held = new HashSet<>(store.renewAll(replica.id(), clock.instant(), period));
            for (String appId : running) {
                if (!held.contains(appId)) {
                    LOG.warn("app {} runs here but its lease is no longer this replica's: stopping it here", appId);
                    lost.accept(appId, "another replica runs it now (or it was deleted)");
                }
            }
        } catch (RuntimeException e) {
            // The database did not answer: the leases run out unless a later renewal gets through.
            LOG.warn("could not renew this replica's app leases: {}", e.getMessage());
        }
    }

    @Override
    public void close() {
        renewal.shutdownNow();
    }
}
