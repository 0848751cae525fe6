package io.slipway.instances;

import io.slipway.app.App;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps always-on apps running: at every idle check, an always-on app that sleeps (it was just set always on, Slipway
 * has just started, its start found no slot) or failed with its back-off over (it crashed, was OOM-killed) is started,
 * without waiting for a request. A start refused because another replica holds the app's lease, or because every slot
 * is busy, is tried again only after {@link #PAUSE}, so that a replica that does not run the app asks the database
 * about it rarely; the replica holding the lease runs it, and another takes it over once that lease runs out.
 * {@link #keepUp} runs on the idle checker's thread and never blocks (the starts run on threads of their own); {@link
 * #learn}, for replicas, reads the database on a virtual thread.
 */
final class AlwaysOnKeeper {
    private static final Logger LOG = LoggerFactory.getLogger(AlwaysOnKeeper.class);
    static final Duration PAUSE = Duration.ofSeconds(5);

    private final Predicate<App> mayRun;
    private final InstantSource clock;
    /** Apps whose last start was refused (held elsewhere, no capacity), by id, and when to try again. */
    private final Map<String, Instant> pausedUntil = new ConcurrentHashMap<>();
    /** Apps another replica runs, as their last start here found: their tries here are not written to their log. */
    private final Set<String> heldElsewhere = ConcurrentHashMap.newKeySet();

    /** @param mayRun whether an app may run now (its owner has active time left this month); never blocks */
    AlwaysOnKeeper(Predicate<App> mayRun, InstantSource clock) {
        this.mayRun = mayRun;
        this.clock = clock;
    }

    /**
     * Registers ({@code register}) each always-on app of the database ({@code stored}) that is not {@code known} here:
     * one deployed through another replica since this one started, which this one is to take over if that one dies.
     * Blocks (it reads the database); a read that fails is said and tried again next time.
     */
    void learn(Supplier<List<App>> stored, Predicate<String> known, Consumer<App> register) {
        try {
            for (App app : stored.get()) {
                // Only apps unknown here: a known one's record is the instance's own, newer than a read may be mid-redeploy.
                if (known.test(app.id())) continue;
                register.accept(app);
                LOG.info("always-on app {} (deployed through another replica) is known here now, to run if no replica does", app.id());
            }
        } catch (RuntimeException e) {
            LOG.warn("could not read the always-on apps from the database (tried again in {} s): {}", PAUSE.toSeconds(), e.getMessage());
        }
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
        if (!heldElsewhere.contains(app.id())) LOG.info("always-on app {} is not running here: starting it", app.id());
        started.whenComplete((running, error) -> {
            if (error == null) {
                // Said once it runs: a replica that finds the app held by another started nothing, and logs nothing.
                instance.log("always on: started without waiting for a request");
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
