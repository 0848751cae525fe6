package io.slipway.instances;

import io.slipway.app.App;
import io.slipway.app.AppStatus;
import io.slipway.config.SlipwayConfig.InstanceSettings;
import io.slipway.logs.LogSink;
import io.slipway.runtime.SandboxRuntime;
import io.slipway.runtime.SandboxSpec;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Comparator;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * All app instances of this Slipway: created on first use, put to sleep when idle, and bounded in number — at the
 * cap, the least recently used idle instance is put to sleep to make room, and only when every running instance is
 * busy does a start fail with {@code capacity}.
 */
public final class Instances implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Instances.class);

    private final SandboxRuntime runtime;
    private final InstanceSettings settings;
    private final InstantSource clock;
    private final LifecycleListener listener;
    private final Function<App, SandboxSpec> specs;
    private final Function<String, LogSink> logs;
    private final Semaphore slots;
    private final ConcurrentHashMap<String, AppInstance> instances = new ConcurrentHashMap<>();
    private final ScheduledExecutorService idleChecker;
    private final UsageSink usage;
    private volatile StartInspection inspection = StartInspection.NONE;
    private volatile StartGate gate = StartGate.OPEN;
    private volatile Predicate<App> alwaysOnAllowed = app -> false;

    /** Where metered use goes: written to the store. Called on virtual threads; may block. */
    @FunctionalInterface
    public interface UsageSink {
        void record(App app, Instant at, io.slipway.metering.Usage usage);
    }

    /**
     * @param specs    how to run an app (paths, uid, limits), decided by the wiring
     * @param logs     each app's log
     */
    public Instances(SandboxRuntime runtime, InstanceSettings settings, InstantSource clock, LifecycleListener listener,
                     Function<App, SandboxSpec> specs, Function<String, LogSink> logs, UsageSink usage, java.time.Duration meteringInterval) {
        this.usage = usage;
        this.runtime = runtime;
        this.settings = settings;
        this.clock = clock;
        this.listener = listener;
        this.specs = specs;
        this.logs = logs;
        this.slots = new Semaphore(settings.maxRunning());
        this.idleChecker = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("slipway-idle").daemon().factory());
        long every = settings.idleCheckInterval().toMillis();
        idleChecker.scheduleWithFixedDelay(this::sleepIdleInstances, every, every, TimeUnit.MILLISECONDS);
        long meter = meteringInterval.toMillis();
        idleChecker.scheduleWithFixedDelay(() -> Thread.ofVirtual().name("metering").start(this::flushAllUsage), meter, meter,
                TimeUnit.MILLISECONDS);
    }

    /** Asks {@code gate} before every start whether the app may run here (replicas: its lease); {@link StartGate#OPEN} until set. */
    public void gateStartsWith(StartGate gate) {
        this.gate = gate;
    }

    StartGate gate() {
        return gate;
    }

    /**
     * From now on, keeps every always-on app running here ({@link AlwaysOnKeeper}): started at the next idle check if it
     * sleeps, and again after it exits, with the back-off of a failed start; while {@code mayRun} refuses it (its owner's
     * monthly active time is used up) it is left asleep. An app whose plan no longer allows always-on apps ({@code
     * allowed}, its owner moved to another) sleeps when idle, as any app. Until this is called, no app is always on.
     *
     * @param stored with replicas, every always-on app the database holds (may block): those this replica does not
     *               know yet (deployed through another since it started) are made known every few seconds, so that it
     *               can take them over when the replica running them dies; null for one Slipway alone
     */
    public void keepAlwaysOnAppsUp(Predicate<App> allowed, Predicate<App> mayRun, java.util.function.Supplier<java.util.List<App>> stored) {
        this.alwaysOnAllowed = allowed;
        AlwaysOnKeeper keeper = new AlwaysOnKeeper(app -> allowed.test(app) && mayRun.test(app), clock);
        long every = settings.idleCheckInterval().toMillis();
        idleChecker.scheduleWithFixedDelay(() -> keeper.keepUp(instances.values()), 0, every, TimeUnit.MILLISECONDS);
        if (stored == null) return;
        long learn = AlwaysOnKeeper.PAUSE.toMillis();
        idleChecker.scheduleWithFixedDelay(() -> Thread.ofVirtual().name("always-on-apps")
                .start(() -> keeper.learn(stored, instances::containsKey, this::register)), learn, learn, TimeUnit.MILLISECONDS);
    }

    /** What every start asks of an app once it answers, before it takes traffic (MCP discovery); none until set. */
    public void inspectStartsWith(StartInspection inspection) {
        this.inspection = inspection;
    }

    /**
     * The start's inspection of a ready app ({@link StartInspection}), its refusal turned into the start's failure.
     *
     * @throws InstanceUnavailableException {@code app-failed} with the inspection's reason and the log's tail
     */
    void inspect(App app, io.slipway.runtime.Sandbox sandbox) {
        try {
            inspection.inspect(app, sandbox.address());
        } catch (StartInspection.Refused e) {
            throw InstanceUnavailableException.appFailed(e.getMessage(), null, log(app.id()).tail(2048));
        }
    }

    /** Makes an app known, asleep: at start for every stored app, and after each upload. */
    public void register(App app) {
        instances.computeIfAbsent(app.id(), id -> new AppInstance(this, app));
    }

    /**
     * A lease on the app's running instance, starting it if it sleeps. Never blocks. The future fails with {@link
     * InstanceUnavailableException} when the app is unknown or failed, its start queue is full, or there is no
     * capacity.
     */
    public CompletableFuture<Lease> acquire(String appId) {
        AppInstance instance = instances.get(appId);
        return instance == null ? CompletableFuture.failedFuture(InstanceUnavailableException.notFound()) : instance.acquire();
    }

    /**
     * Starts the app unless it runs, and blocks until it runs: what a deploy waits for. Not a request (nothing is
     * metered), and an app that failed before is started at once.
     *
     * @throws InstanceUnavailableException why it did not start: {@code app-failed} (it exited, listens elsewhere, or
     *     never answered within {@code instances.startTimeout}), {@code capacity}, {@code not-found}
     */
    public void startAndAwait(String appId) {
        AppInstance instance = instances.get(appId);
        if (instance == null) throw InstanceUnavailableException.notFound();
        try {
            // The start itself is bounded by instances.startTimeout; this bound only guards against a start never told.
            instance.startNow().get(settings.startTimeout().plus(settings.stopGrace()).plusSeconds(30).toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof InstanceUnavailableException unavailable) throw unavailable;
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw InstanceUnavailableException.startTimeout();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw InstanceUnavailableException.startTimeout();
        }
    }

    /**
     * Starts {@code app}, a new version of a known app, beside the version serving, and blocks until it answers; {@link
     * NewVersion#promote} then switches traffic to it, {@link NewVersion#discard} drops it. Nothing of the version
     * serving changes meanwhile. It takes a slot of its own while both run.
     *
     * @throws InstanceUnavailableException why it did not start, as {@link #startAndAwait} says; {@code capacity} when
     *     no slot is free for it
     */
    public NewVersion startBeside(App app) {
        AppInstance instance = instances.get(app.id());
        if (instance == null) throw InstanceUnavailableException.notFound();
        return NewVersion.start(instance, app);
    }

    /**
     * The app as stored now, changed elsewhere (another replica redeployed it): its next start here runs this version.
     * Registers it when this Slipway did not know it yet.
     */
    public void refresh(App app) {
        instances.computeIfAbsent(app.id(), id -> new AppInstance(this, app)).replanned(app);
    }

    /** The app's owner moved to another plan: the new limits apply from the app's next start. */
    public void replanned(App app) {
        AppInstance instance = instances.get(app.id());
        if (instance != null) instance.replanned(app);
    }

    /** Puts every running app of the owner to sleep, in the background (their monthly budget is used up). */
    public void sleepAllOf(String owner, String why) {
        for (AppInstance instance : instances.values()) {
            if (instance.app().owner().equals(owner)) Thread.ofVirtual().name("sleep-" + instance.appId()).start(() -> instance.sleepNow(why));
        }
    }

    /** Stops the app for good and forgets it. Blocks until the sandbox is gone. */
    public void remove(String appId) {
        AppInstance instance = instances.remove(appId);
        if (instance != null) instance.retire("deleted");
        runtime.forget(appId);
    }

    /** The app as last deployed, for the data plane's access check; empty for an unknown id. Never blocks. */
    public Optional<App> app(String appId) {
        return Optional.ofNullable(instances.get(appId)).map(AppInstance::app);
    }

    /** The live status when a process is involved (starting, running, failed); empty when the stored one applies. */
    public Optional<AppStatus> liveStatus(String appId) {
        AppInstance instance = instances.get(appId);
        return instance == null ? Optional.empty() : Optional.ofNullable(instance.liveStatus());
    }

    /** The apps running here now (not those still starting). Takes each instance's lock in turn. */
    public java.util.List<String> runningHere() {
        return instances.values().stream().filter(i -> i.liveStatus() == AppStatus.RUNNING).map(AppInstance::appId).toList();
    }

    /** Puts the app to sleep here, in the background, saying {@code why} in its log (another replica runs it now). */
    public void sleep(String appId, String why) {
        AppInstance instance = instances.get(appId);
        if (instance != null) Thread.ofVirtual().name("sleep-" + appId).start(() -> instance.sleepNow(why));
    }

    /** How many apps run now (a redeploy's two versions count once). Takes each instance's lock in turn. */
    public int running() {
        return runningHere().size();
    }

    public Optional<Instant> lastActive(String appId) {
        return Optional.ofNullable(instances.get(appId)).map(AppInstance::lastActive);
    }

    private void sleepIdleInstances() {
        Instant now = clock.instant();
        for (AppInstance instance : instances.values()) {
            // Always on: never put to sleep for idleness (its monthly budget, a delete or a shutdown still stop it).
            if (!alwaysOn(instance) && instance.isRunningWithNothingAwaited()) {
                Thread.ofVirtual().name("sleep-" + instance.appId()).start(() -> instance.sleepIfIdle(now));
            }
        }
    }

    /** Takes a slot for a start, putting the least recently used idle instance to sleep when none is free. Blocks. */
    void reserveSlot(AppInstance requester) {
        for (int attempt = 0; attempt < 3; attempt++) {
            if (slots.tryAcquire()) return;
            // Always-on apps hold their slots: they are never evicted to make room, while one may evict an ordinary app.
            Optional<AppInstance> victim = instances.values().stream()
                    .filter(i -> i != requester && !alwaysOn(i) && i.isIdleRunning())
                    .min(Comparator.comparing(AppInstance::lastActive, Comparator.nullsFirst(Comparator.naturalOrder())));
            if (victim.isEmpty()) break;
            victim.get().evict();
        }
        if (!slots.tryAcquire()) throw InstanceUnavailableException.capacity(settings.maxRunning());
    }

    /** Whether the instance's app is always on, and its plan allows that: never put to sleep for idleness, nor evicted. */
    private boolean alwaysOn(AppInstance instance) {
        App app = instance.app();
        return app.alwaysOn() && alwaysOnAllowed.test(app);
    }

    /** Writes what every instance has used since the last flush: periodically, so a crash loses at most one interval. */
    void flushAllUsage() {
        instances.values().forEach(this::flushUsage);
    }

    void flushUsage(AppInstance instance) {
        Instant now = clock.instant();
        ActivityMeter meter = instance.meter();
        var taken = meter.take(now);
        if (taken.isEmpty()) return;
        try {
            usage.record(instance.app(), now, taken);
            meter.written(taken);
        } catch (RuntimeException e) {
            meter.notWritten(taken);
            LOG.warn("could not record the usage of app {} (it is kept for the next flush): {}", instance.appId(), e.getMessage());
        }
    }

    /**
     * What the app has used and the store does not hold yet (up to {@code metering.flushInterval} of it): the live
     * figures are the stored ones plus this. None for an unknown app.
     */
    public io.slipway.metering.Usage unwrittenUsage(String appId) {
        AppInstance instance = instances.get(appId);
        return instance == null ? io.slipway.metering.Usage.NONE : instance.meter().unwritten(clock.instant());
    }

    void releaseSlot() {
        slots.release();
    }

    InstanceSettings settings() {
        return settings;
    }

    InstantSource clock() {
        return clock;
    }

    LifecycleListener listener() {
        return listener;
    }

    SandboxRuntime runtime() {
        return runtime;
    }

    /** How a new sandbox of the app is known to be ready: HTTP for every app, until MCP servers get a check of their own. */
    ReadinessCheck readiness(App app) {
        return ReadinessCheck.http(app.healthPath());
    }

    SandboxSpec specFor(App app) {
        return specs.apply(app);
    }

    LogSink log(String appId) {
        return logs.apply(appId);
    }

    /** Stops every instance, in parallel, and waits for them. */
    @Override
    public void close() {
        idleChecker.shutdownNow();
        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (AppInstance instance : instances.values()) {
                executor.execute(() -> {
                    try {
                        instance.retire("Slipway is shutting down");
                    } catch (RuntimeException e) {
                        LOG.warn("app {} did not stop cleanly", instance.appId(), e);
                    }
                });
            }
        }
        flushAllUsage();
        instances.clear();
    }
}
