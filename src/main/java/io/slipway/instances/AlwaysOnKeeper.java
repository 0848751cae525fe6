package io.slipway.instances;

import io.slipway.app.App;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps always-on apps running: at every idle check, an always-on app that sleeps (it was just set always on, Slipway
 * has just started, its start found no slot) or failed with its back-off over (it crashed, was OOM-killed) is started,
 * without waiting for a request. A start refused because another replica holds the app's lease, or because every slot
 * is busy, is tried again only after {@link #PAUSE}, so that a replica that does not run the app asks the database
 * about it rarely; the replica holding the lease runs it, and another takes it over once that lease runs out.
 * Runs on the idle checker's thread; never blocks (the starts run on threads of their own).
 */
final class AlwaysOnKeeper {
    private static final Logger LOG = LoggerFactory.getLogger(AlwaysOnKeeper.class);
    static final Duration PAUSE = Duration.ofSeconds(5);

    private final Predicate<App> mayRun;
    private final InstantSource clock;
    /** Apps whose last start was refused (held elsewhere, no capacity), by id, and when to try again. */
    private final Map<String, Instant> pausedUntil = new ConcurrentHashMap<>();
    /** Apps another replica runs, as their last start here found: their tries here are not written to their log. */
    private final java.util.Set<String> heldElsewhere = ConcurrentHashMap.newKeySet();

    /** @param mayRun whether an app may run now (its owner has active time left this month); never blocks */
    AlwaysOnKeeper(Predicate<App> mayRun, InstantSource clock) {
        this.mayRun = mayRun;
        this.clock = clock;
    }

    void keepUp(Collection<AppInstance> instances) {
        Instant now = clock.instant();
        for (AppInstance instance : instances) {
            try {
                keepUp(instance, now);
            } catch (RuntimeException e) {
                // One app's trouble must not stop the others being kept up, nor the scheduler.
                LOG.warn("could not keep always-on app {} up", instance.appId(), e);
            }
        }
    }

    private void keepUp(AppInstance instance, Instant now) {
        App app = instance.app();
        if (!app.alwaysOn()) {
            pausedUntil.remove(app.id());
            heldElsewhere.remove(app.id());
            return;
        }
        Instant paused = pausedUntil.get(app.id());
        if (paused != null && now.isBefore(paused)) return;
        if (!mayRun.test(app)) return;
        CompletableFuture<?> started = instance.keepUp();
        if (started == null) return;
        pausedUntil.remove(app.id());
        if (!heldElsewhere.contains(app.id())) {
            instance.log("always on: starting it without waiting for a request");
            LOG.info("always-on app {} is not running: starting it", app.id());
        }
        started.whenComplete((running, error) -> {
            if (error == null) {
                heldElsewhere.remove(app.id());
                return;
            }
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            if (cause instanceof InstanceUnavailableException e
                    && ("capacity".equals(e.slug()) || InstanceUnavailableException.HELD_ELSEWHERE.equals(e.slug()))) {
                pausedUntil.put(app.id(), clock.instant().plus(PAUSE));
                if (InstanceUnavailableException.HELD_ELSEWHERE.equals(e.slug())) heldElsewhere.add(app.id());
                if ("capacity".equals(e.slug())) LOG.warn("always-on app {} has no slot to run in: {}", app.id(), e.getMessage());
            }
        });
    }
}
