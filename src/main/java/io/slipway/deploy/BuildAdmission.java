package io.slipway.deploy;

import io.slipway.app.SlipwayError;
import io.slipway.app.SlipwayError.Kind;
import io.slipway.config.BuildLimits;
import io.slipway.config.Durations;
import io.slipway.config.Plan;
import io.slipway.logs.LogSink;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

/**
 * Who may build now, decided before anything is built. A new app's upload takes a place in its owner's quota at once,
 * counted with the uploads still in flight (so that uploads sent together cannot each pass a check made before the
 * others were stored); every build (upload or redeploy) counts against {@code build.maxPerUser}; and it waits its turn
 * among {@code build.maxConcurrent} builds, with at most {@code build.maxQueued} waiting. A refusal comes before any
 * work: {@code quota-exceeded}, {@code too-many-builds} or {@code build-queue-full} ({@link SlipwayError}).
 *
 * <p>The quota's count of stored apps must not change between the check and the insert of the app the place was for:
 * both happen under {@code storeLock}, which {@link Deployments} also holds when it stores an app.
 */
final class BuildAdmission {
    private final BuildLimits limits;
    private final Duration maxWait;
    private final Object storeLock;
    // Guarded by storeLock: per owner, new apps admitted but not stored yet, and builds under way or waiting.
    private final Map<String, Integer> newApps = new HashMap<>();
    private final Map<String, Integer> building = new HashMap<>();
    private final Semaphore turns;
    private final AtomicInteger waiting = new AtomicInteger();

    /** @param maxWait how long a build waits for its turn before the upload is refused */
    BuildAdmission(BuildLimits limits, Duration maxWait, Object storeLock) {
        this.limits = limits;
        this.maxWait = maxWait;
        this.storeLock = storeLock;
        this.turns = new Semaphore(limits.maxConcurrent(), true);
    }

    /** One admitted build. {@link #close()} gives its place back, however the build ended. */
    final class Place implements AutoCloseable {
        private final String owner;
        private boolean newApp;
        private boolean turn;
        private boolean closed;

        private Place(String owner, boolean newApp) {
            this.owner = owner;
            this.newApp = newApp;
        }

        /** The new app is stored: from now on the store counts it. Call with {@code storeLock} held, right after the insert. */
        void stored() {
            if (newApp) decrement(newApps, owner);
            newApp = false;
        }

        @Override
        public void close() {
            synchronized (storeLock) {
                if (closed) return;
                closed = true;
                stored();
                decrement(building, owner);
            }
            if (turn) turns.release();
        }
    }

    /**
     * A place for a build of {@code owner}'s, waiting (blocking, up to {@code maxWait}) for a turn; the wait is said in
     * {@code log}.
     *
     * @param plan   the owner's plan, for a new app's quota; null for a redeploy, which adds no app
     * @param stored how many apps the owner has stored, read under {@code storeLock}
     */
    Place admit(String owner, Plan plan, IntSupplier stored, LogSink log) {
        Place place;
        synchronized (storeLock) {
            if (plan != null) {
                int apps = stored.getAsInt();
                int pending = newApps.getOrDefault(owner, 0);
                if (apps + pending >= plan.apps()) {
                    throw new SlipwayError(Kind.QUOTA_EXCEEDED, "quota-exceeded", "the " + plan.name() + " plan allows "
                            + plan.apps() + " apps and you have " + apps + (pending > 0 ? " and " + pending + " more being built" : "")
                            + "; delete one or move to a larger plan");
                }
            }
            int mine = building.getOrDefault(owner, 0);
            if (mine >= limits.maxPerUser()) {
                throw new SlipwayError(Kind.THROTTLED, "too-many-builds", "you have " + mine
                        + " uploads building, the most one user may (build.maxPerUser); send this one when one of them has finished",
                        Duration.ofSeconds(10), null);
            }
            building.merge(owner, 1, Integer::sum);
            if (plan != null) newApps.merge(owner, 1, Integer::sum);
            place = new Place(owner, plan != null);
        }
        try {
            awaitTurn(place, log);
            return place;
        } catch (RuntimeException e) {
            place.close();
            throw e;
        }
    }

    private void awaitTurn(Place place, LogSink log) {
        if (turns.tryAcquire()) {
            place.turn = true;
            return;
        }
        if (waiting.incrementAndGet() > limits.maxQueued()) {
            waiting.decrementAndGet();
            throw new SlipwayError(Kind.THROTTLED, "build-queue-full", limits.maxConcurrent()
                    + " builds are running and " + limits.maxQueued() + " waiting, the most this Slipway takes; try again shortly",
                    Duration.ofSeconds(30), null);
        }
        try {
            log.event("waiting for a build slot: " + limits.maxConcurrent() + " builds are running, " + waiting.get() + " waiting");
            if (!turns.tryAcquire(maxWait.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new SlipwayError(Kind.UNAVAILABLE, "build-queue-timeout", "no build slot came free within "
                        + Durations.format(maxWait) + "; try again later", Duration.ofSeconds(30), null);
            }
            place.turn = true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a build slot", e);
        } finally {
            waiting.decrementAndGet();
        }
    }

    private static void decrement(Map<String, Integer> counts, String owner) {
        counts.computeIfPresent(owner, (k, n) -> n <= 1 ? null : n - 1);
    }
}
