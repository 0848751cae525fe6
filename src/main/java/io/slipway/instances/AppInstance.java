package io.slipway.instances;

import io.slipway.app.App;
import io.slipway.app.AppStatus;
import io.slipway.instances.InstanceState.Asleep;
import io.slipway.instances.InstanceState.Failed;
import io.slipway.instances.InstanceState.Pending;
import io.slipway.instances.InstanceState.Restarting;
import io.slipway.instances.InstanceState.Running;
import io.slipway.instances.InstanceState.Starting;
import io.slipway.instances.InstanceState.Stopping;
import io.slipway.runtime.Sandbox;
import io.slipway.runtime.SandboxExit;
import io.slipway.runtime.SandboxSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The "Durable Object" of one app: the only code that starts or stops its sandbox. Every transition happens under
 * this object's lock; the slow parts (spawning, probing, stopping) run on virtual threads outside it, and each ends
 * by taking the lock again to install the next state. {@link #acquire()} never blocks.
 */
final class AppInstance {
    private static final Logger LOG = LoggerFactory.getLogger(AppInstance.class);
    private static final Duration STABLE_RUN = Duration.ofSeconds(60);

    private final Instances owner;
    private final String appId;
    private volatile App app;
    private final ActivityMeter meter;
    private final Exchanges exchanges;
    private final Set<Sandbox> others = ConcurrentHashMap.newKeySet();

    // Guarded by this.
    private InstanceState state;
    private int failures;
    private boolean holdsSlot;
    private boolean retired;

    AppInstance(Instances owner, App app) {
        this.owner = owner;
        this.appId = app.id();
        this.app = app;
        this.meter = new ActivityMeter(owner.clock(), app.lastActiveAt());
        this.exchanges = new Exchanges(appId, meter);
        this.state = new Asleep(app.status() != AppStatus.READY);
    }

    String appId() {
        return appId;
    }

    App app() {
        return app;
    }

    /** The end of the last request, or null when the app has served none. */
    Instant lastActive() {
        return meter.lastActive();
    }

    int inFlight() {
        return exchanges.inFlight();
    }

    /** A lease on a running instance, starting it if needed; fails with {@link InstanceUnavailableException}. */
    CompletableFuture<Lease> acquire() {
        meter.request();
        CompletableFuture<Running> ready;
        synchronized (this) {
            if (retired) return CompletableFuture.failedFuture(InstanceUnavailableException.notFound());
            switch (state) {
                case Running r -> {
                    exchanges.arrived();
                    return CompletableFuture.completedFuture(exchanges.lease(r));
                }
                case Pending p -> {
                    if (p.waiters() >= owner.settings().maxWaiters()) {
                        return CompletableFuture.failedFuture(InstanceUnavailableException.queueFull(p.waiters()));
                    }
                    state = p.withWaiter();
                    ready = p.ready();
                }
                case Stopping st -> {
                    return st.stopped().thenCompose(v -> acquire());
                }
                case Failed f -> {
                    Instant now = owner.clock().instant();
                    if (now.isBefore(f.retryAt())) {
                        return CompletableFuture.failedFuture(InstanceUnavailableException.appFailed(f.reason(),
                                Duration.between(now, f.retryAt()), owner.log(appId).tail(2048)));
                    }
                    ready = beginStart();
                }
                case Asleep a -> ready = beginStart();
            }
            exchanges.arrived();
        }
        return ready.handle((running, error) -> {
            if (error != null) {
                exchanges.refused();
                throw error instanceof CompletionException ce ? ce : new CompletionException(error);
            }
            return exchanges.lease(running);
        });
    }

    /**
     * Starts the app unless it runs, as a deploy does: completes once it runs, or fails with the reason it could not
     * start ({@link InstanceUnavailableException}). Not a request: nothing is counted or leased, and an app that failed
     * before starts at once, without its back-off.
     */
    CompletableFuture<Void> startNow() {
        CompletableFuture<Running> ready;
        synchronized (this) {
            if (retired) return CompletableFuture.failedFuture(InstanceUnavailableException.notFound());
            switch (state) {
                case Running r -> {
                    return CompletableFuture.completedFuture(null);
                }
                case Pending p -> ready = p.ready();
                case Stopping st -> {
                    return st.stopped().thenCompose(v -> startNow());
                }
                case Failed f -> ready = beginStart();
                case Asleep a -> ready = beginStart();
            }
        }
        return ready.thenApply(running -> null);
    }

    /**
     * For an always-on app ({@link AlwaysOnKeeper}): starts it if it sleeps, or failed and its back-off is over, so that a
     * crash-looping app is started again at the back-off's pace. Not a request, as {@link #startNow()}. Null when
     * nothing was started. Never blocks.
     */
    synchronized CompletableFuture<Running> keepUp() {
        if (retired) return null;
        return switch (state) {
            case Asleep a -> beginStart();
            case Failed f -> owner.clock().instant().isBefore(f.retryAt()) ? null : beginStart();
            case Pending p -> null;
            case Running r -> null;
            case Stopping st -> null;
        };
    }

    // Called under the lock.
    private CompletableFuture<Running> beginStart() {
        CompletableFuture<Running> ready = new CompletableFuture<>();
        state = new Starting(ready, 1);
        Thread.ofVirtual().name("start-" + appId).start(() -> start(ready));
        return ready;
    }

    private void start(CompletableFuture<Running> ready) {
        Sandbox sandbox = null;
        long t0 = -1;
        try {
            // First: with replicas, the claim may bring the app as another replica last stored it.
            owner.gate().claim(appId);
            App current = app;
            owner.reserveSlot(this);
            synchronized (this) {
                holdsSlot = true;
            }
            owner.listener().onStatus(appId, AppStatus.STARTING, null, null);
            log("starting");
            t0 = System.nanoTime();
            SandboxSpec spec = owner.specFor(current);
            sandbox = owner.runtime().start(spec);
            Supplier<String> logTail = () -> owner.log(appId).tail(2048);
            sandbox.observe(new RestartWatch(this, sandbox, owner.readiness(current), owner.settings().startTimeout(), logTail));
            StartProbe.awaitReady(sandbox, owner.readiness(current), owner.settings().startTimeout(), logTail);
            owner.inspect(current, sandbox);
            long millis = (System.nanoTime() - t0) / 1_000_000;
            Running running = new Running(sandbox, owner.clock().instant());
            synchronized (this) {
                state = running;
                meter.running();
            }
            Sandbox started = sandbox;
            sandbox.exited().thenAccept(exit -> {
                long seenAt = System.nanoTime();
                Thread.ofVirtual().start(() -> onExit(started, exit, seenAt));
            });
            log("ready in " + millis + " ms on " + sandbox.address());
            LOG.info("app {} started in {} ms", appId, millis);
            owner.listener().onStart(appId, true, System.nanoTime() - t0);
            owner.listener().onStatus(appId, AppStatus.RUNNING, null, lastActive());
            ready.complete(running);
        } catch (InstanceUnavailableException e) {
            if (sandbox != null) sandbox.stop(Duration.ZERO);
            if (t0 >= 0) owner.listener().onStart(appId, false, System.nanoTime() - t0);
            failStart(ready, e);
        } catch (RuntimeException e) {
            if (sandbox != null) sandbox.stop(Duration.ZERO);
            if (t0 >= 0) owner.listener().onStart(appId, false, System.nanoTime() - t0);
            LOG.warn("app {} could not be started", appId, e);
            failStart(ready, InstanceUnavailableException.appFailed("the sandbox could not be started: " + e.getMessage(), null, null));
        }
    }

    private void failStart(CompletableFuture<Running> ready, InstanceUnavailableException e) {
        boolean slotFreed;
        synchronized (this) {
            slotFreed = holdsSlot;
            holdsSlot = false;
            if ("capacity".equals(e.slug()) || InstanceUnavailableException.HELD_ELSEWHERE.equals(e.slug())) {
                state = new Asleep(true);
            } else {
                failures++;
                state = new Failed(e.getMessage(), owner.clock().instant().plus(backoff(failures)));
            }
        }
        if (slotFreed) owner.releaseSlot();
        owner.gate().released(appId);
        if (!"capacity".equals(e.slug()) && !InstanceUnavailableException.HELD_ELSEWHERE.equals(e.slug())) {
            log("start failed: " + e.getMessage());
            LOG.info("app {} failed to start: {}", appId, e.getMessage());
            owner.listener().onStatus(appId, AppStatus.FAILED, e.getMessage(), null);
        }
        ready.completeExceptionally(e);
    }

    /** @param seenAt the {@link System#nanoTime()} at which the exit was seen */
    private void onExit(Sandbox sandbox, SandboxExit exit, long seenAt) {
        String reason = exit.reason("while running");
        Running running;
        CompletableFuture<Running> restarted = null;
        synchronized (this) {
            switch (state) {
                case Running r when r.sandbox() == sandbox -> running = r;
                case Restarting r when r.sandbox() == sandbox -> {
                    running = r.previous();
                    restarted = r.ready();
                }
                default -> {
                    return; // a stop we asked for
                }
            }
            if (Duration.between(running.since(), owner.clock().instant()).compareTo(STABLE_RUN) >= 0) failures = 0;
            meter.stopped();
            failures++;
            state = new Failed(reason, owner.clock().instant().plus(backoff(failures)));
            holdsSlot = false;
        }
        // Requests that could not reach the dead app retry from here: the next acquire starts it again. Exchanges still
        // open on it are told, since its connections may never say so themselves.
        running.gone().complete(seenAt);
        exchanges.sandboxGone(running);
        owner.releaseSlot();
        owner.flushUsage(this);
        log(reason);
        LOG.info("app {}: {}", appId, reason);
        owner.listener().onStatus(appId, AppStatus.FAILED, reason, lastActive());
        // Requests waiting for a restarted app to be ready again learn why it will not be.
        if (restarted != null) restarted.completeExceptionally(InstanceUnavailableException.appFailed(reason, null, owner.log(appId).tail(2048)));
    }

    /**
     * The app of {@code sandbox} was restarted under Slipway. If it was running, requests wait from now on for it to be
     * ready again, and exchanges open on the old process are told it is gone; its active time is metered on. Empty when
     * the instance was not running it (it is starting it, is waiting for an earlier restart, or is stopping it): then
     * nothing changes.
     *
     * @param seenAt the {@link System#nanoTime()} at which the restart was seen
     */
    Optional<Restarting> restarted(Sandbox sandbox, long seenAt) {
        Restarting restarting;
        synchronized (this) {
            if (!(state instanceof Running r) || r.sandbox() != sandbox) return Optional.empty();
            restarting = new Restarting(r, new CompletableFuture<>(), 0);
            state = restarting;
        }
        // As at an exit: a request whose connection to the old process failed waits for the new one, and exchanges still
        // open on the old one are told, since its connections may never say so themselves.
        restarting.previous().gone().complete(seenAt);
        exchanges.sandboxGone(restarting.previous());
        owner.listener().onStatus(appId, AppStatus.STARTING, null, lastActive());
        return Optional.of(restarting);
    }

    /** The restarted app passed its readiness check: it runs again, and the requests that waited go to it. */
    boolean readyAgain(Restarting restarting) {
        Running running = new Running(restarting.sandbox(), owner.clock().instant());
        synchronized (this) {
            if (!isStill(restarting)) return false; // it exited meanwhile, which onExit reported
            state = running;
        }
        owner.listener().onStatus(appId, AppStatus.RUNNING, null, lastActive());
        restarting.ready().complete(running);
        return true;
    }

    /** The restarted app was not ready in time: its sandbox is stopped, and the instance fails as a failed start does. Blocks. */
    void restartFailed(Restarting restarting, InstanceUnavailableException e) {
        CompletableFuture<Void> stopped = new CompletableFuture<>();
        synchronized (this) {
            // A sandbox that ended is onExit's to report, whether or not the probe saw its end first.
            if (!isStill(restarting) || restarting.sandbox().exited().isDone()) return;
            // Requests arriving meanwhile wait for the failure, and then see it.
            state = new Stopping(stopped);
        }
        try {
            restarting.sandbox().stop(Duration.ZERO);
        } finally {
            meter.stopped();
            owner.flushUsage(this);
            failStart(restarting.ready(), e);
            stopped.complete(null);
        }
    }

    // Called under the lock.
    private boolean isStill(Restarting restarting) {
        return state instanceof Restarting now && now.ready() == restarting.ready();
    }

    /** No wait after the first failure, then 1 s, 2 s, 4 s … up to the configured maximum. */
    private Duration backoff(int failureCount) {
        if (failureCount <= 1) return Duration.ZERO;
        Duration d = Duration.ofSeconds(1L << Math.min(failureCount - 2, 20));
        return d.compareTo(owner.settings().maxBackoff()) > 0 ? owner.settings().maxBackoff() : d;
    }

    /**
     * Puts the app to sleep if it runs, no request waits for its answer, and no bytes have moved for its
     * {@code sleepAfter}: open streams that carry nothing are ended cleanly first.
     */
    boolean sleepIfIdle(Instant now) {
        return sleep("idle for " + app.sleepAfter().toSeconds() + " s", () -> {
            if (!(state instanceof Running r) || exchanges.awaited()) return false;
            Instant active = lastActive();
            Instant last = active != null && active.isAfter(r.since()) ? active : r.since();
            return Duration.between(last, now).compareTo(app.sleepAfter()) >= 0;
        });
    }

    /** Puts the app to sleep if it runs and has no exchange open at all (to free a slot for another app). Blocks. */
    boolean evict() {
        return sleep("evicted to make room for another app", () -> exchanges.inFlight() == 0);
    }

    /**
     * Stops the app if it runs, whatever it is doing, and every other version of it (a redeploy's, starting or
     * draining), and waits until they have stopped (for delete and shutdown). Requests still waiting for a start are
     * let through to whatever comes next.
     */
    void stopNow(String why) {
        stopServing(why);
        for (Sandbox other : others) {
            SandboxExit exit = other.stop(owner.settings().stopGrace());
            log("another version stopped: " + why + " (" + exit.describe() + ")");
        }
    }

    private void stopServing(String why) {
        while (true) {
            CompletableFuture<?> pending;
            synchronized (this) {
                switch (state) {
                    case Pending p -> pending = p.ready();
                    case Stopping st -> pending = st.stopped();
                    case Running r -> pending = null;
                    case Asleep a -> {
                        return;
                    }
                    case Failed f -> {
                        return;
                    }
                }
            }
            if (pending == null) {
                sleep(why, () -> true);
            } else {
                pending.handle((v, e) -> null).join();
            }
        }
    }

    /** @param allowed checked under the lock, with the state still Running: whether to go to sleep now */
    private boolean sleep(String why, java.util.function.BooleanSupplier allowed) {
        Running running;
        CompletableFuture<Void> stopped = new CompletableFuture<>();
        synchronized (this) {
            if (!(state instanceof Running r) || !allowed.getAsBoolean()) return false;
            running = r;
            state = new Stopping(stopped);
        }
        // A request whose connection fails from now on was sent to an app being stopped: it waits, then wakes it again.
        running.gone().complete(System.nanoTime());
        try {
            log("going to sleep: " + why);
            exchanges.endForSleep(running);
            SandboxExit exit = running.sandbox().stop(owner.settings().stopGrace());
            log("asleep (" + exit.describe() + ")");
            LOG.info("app {} asleep: {}", appId, why);
        } finally {
            boolean freed;
            synchronized (this) {
                state = new Asleep(true);
                failures = 0;
                freed = holdsSlot;
                holdsSlot = false;
                meter.stopped();
            }
            if (freed) owner.releaseSlot();
            // Exchanges still open on the stopped sandbox (a stop for a redeploy or a delete waits for none) end too.
            exchanges.sandboxGone(running);
            owner.flushUsage(this);
            owner.listener().onStatus(appId, AppStatus.SLEEPING, null, lastActive());
            stopped.complete(null);
        }
        return true;
    }

    ActivityMeter meter() {
        return meter;
    }

    /**
     * Makes {@code sandbox}, started and ready beside the version serving ({@link NewVersion}), the one that serves
     * {@code newApp} from now on: new requests go to it, and the exit of its sandbox is the instance's to handle. It
     * takes the slot its start reserved. A start or a stop under way is waited for first, so that what it brings is
     * replaced too. Returns the version replaced, if it was running: its exchanges go on, and it is the caller's to
     * drain and stop ({@link Replaced}). Blocks.
     */
    Optional<Replaced> switchTo(App newApp, Sandbox sandbox) {
        while (true) {
            CompletableFuture<?> pending = null;
            Running replaced = null;
            boolean heldSlot = false;
            Running running = new Running(sandbox, owner.clock().instant());
            synchronized (this) {
                // Deleted, or Slipway is shutting down: the new version goes with the rest.
                if (retired) throw InstanceUnavailableException.notFound();
                // Dead since its probe: the version serving stays (its exit is told to the redeploy, not to requests).
                if (sandbox.exited().isDone()) {
                    throw InstanceUnavailableException.appFailed(sandbox.exited().join().reason("after it was ready, before traffic moved to it"),
                            null, owner.log(appId).tail(2048));
                }
                switch (state) {
                    case Pending p -> pending = p.ready();
                    case Stopping st -> pending = st.stopped();
                    case Running r -> replaced = r;
                    case Asleep a -> { }
                    case Failed f -> { }
                }
                if (pending == null) {
                    heldSlot = holdsSlot;
                    holdsSlot = true;
                    app = newApp;
                    failures = 0;
                    state = running;
                    if (replaced == null) meter.running();
                    others.remove(sandbox);
                    if (replaced != null) others.add(replaced.sandbox());
                }
            }
            if (pending != null) {
                pending.handle((v, e) -> null).join();
                continue;
            }
            // A request whose connection to the old version fails from now on is sent again, to the new one.
            if (replaced != null) replaced.gone().complete(System.nanoTime());
            sandbox.exited().thenAccept(exit -> {
                long seenAt = System.nanoTime();
                Thread.ofVirtual().start(() -> onExit(sandbox, exit, seenAt));
            });
            owner.listener().onStatus(appId, AppStatus.RUNNING, null, lastActive());
            return replaced == null ? Optional.empty() : Optional.of(new Replaced(replaced, heldSlot));
        }
    }

    /** A version a redeploy replaced while it ran; {@code heldSlot}: whether its slot is to be released once it stopped. */
    record Replaced(Running running, boolean heldSlot) { }

    /** The sandboxes of the app other than the one serving: a redeploy's new version while it starts, old ones while they drain. */
    Set<Sandbox> others() {
        return others;
    }

    Exchanges exchanges() {
        return exchanges;
    }

    Instances owner() {
        return owner;
    }

    synchronized boolean retired() {
        return retired;
    }

    /** The app's plan changed: its limits apply from its next start. */
    void replanned(App newApp) {
        app = newApp;
    }

    /** Puts the app to sleep now, open exchanges included (their clients are told first). Blocks. */
    boolean sleepNow(String why) {
        return sleep(why, () -> true);
    }

    /** Stops the app and every version of it for good (it is deleted, or Slipway shuts down). Blocks. */
    void retire(String why) {
        synchronized (this) {
            retired = true;
        }
        stopNow(why);
    }

    /** The status as the API shows it, or null when the instance holds no process (the stored status applies). */
    synchronized AppStatus liveStatus() {
        return switch (state) {
            case Pending p -> AppStatus.STARTING;
            case Running r -> AppStatus.RUNNING;
            case Stopping st -> AppStatus.RUNNING;
            case Failed f -> AppStatus.FAILED;
            case Asleep a -> null;
        };
    }

    /** Running with no request waiting for an answer: a candidate for the idle check (open streams may remain). */
    synchronized boolean isRunningWithNothingAwaited() {
        return state instanceof Running && !exchanges.awaited();
    }

    /** Running with no exchange open at all: a candidate for eviction. */
    synchronized boolean isIdleRunning() {
        return state instanceof Running && exchanges.inFlight() == 0;
    }

    void log(String line) {
        try {
            owner.log(appId).event(line);
        } catch (RuntimeException e) {
            LOG.warn("cannot write the log of app {}", appId, e);
        }
    }
}
