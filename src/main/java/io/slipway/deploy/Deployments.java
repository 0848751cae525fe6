package io.slipway.deploy;

import io.slipway.app.App;
import io.slipway.app.AppStatus;
import io.slipway.artifacts.LocalArtifactStore;
import io.slipway.logs.AppLogs;
import io.slipway.logs.LogSink;
import io.slipway.build.AppBuilder;
import io.slipway.build.BuiltCode;
import io.slipway.config.Plan;
import io.slipway.instances.Instances;
import io.slipway.store.AppStore;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Upload, redeploy, delete. An upload is validated, built in {@code tmp/}, moved into place and only then stored,
 * so a failure at any step leaves no row, no files and no log. A redeploy starts its new version beside the one
 * serving and switches to it once it answers: one that fails to build or to start leaves the old version serving,
 * untouched. Operations on one app id are serialised.
 */
public final class Deployments {
    private static final Logger LOG = LoggerFactory.getLogger(Deployments.class);
    /** The code digest of a first upload still building: it has no code yet. */
    static final String UNBUILT = "";

    private final AppStore store;
    private final AppBuilder builder;
    private final Instances instances;
    private final LocalArtifactStore artifacts;
    private final AppLogs logs;
    private final UploadValidator validator;
    private final InstantSource clock;
    private final ConcurrentHashMap<String, Object> locks = new ConcurrentHashMap<>();
    // Held while an app is stored: the quota's count of stored apps changes only under it (BuildAdmission), and no
    // dependency set is swept while an app that uses it is being stored.
    private final Object storeLock = new Object();
    private final BuildAdmission admission;
    private volatile java.util.function.Consumer<String> onDelete;
    private volatile Sources sources = Sources.NONE;
    private final Versions versions;

    /** @param buildLimits how many builds may run and wait, and {@code buildWait} how long one waits for its turn */
    public Deployments(AppStore store, AppBuilder builder, Instances instances, LocalArtifactStore artifacts, AppLogs logs, UploadValidator validator,
                       InstantSource clock, io.slipway.config.BuildLimits buildLimits, java.time.Duration buildWait, Versions versions) {
        this.versions = versions;
        this.admission = new BuildAdmission(buildLimits, buildWait, storeLock);
        this.store = store;
        this.builder = builder;
        this.instances = instances;
        this.artifacts = artifacts;
        this.logs = logs;
        this.validator = validator;
        this.clock = clock;
    }

    /**
     * Builds, stores and starts a new app, and returns once it runs. The upload takes its place in the owner's quota
     * and among the builds before anything is built ({@link BuildAdmission}); its row is stored at once, as {@code
     * building}, so that the owner's list shows it while it builds. If it cannot be built or started, everything of it
     * goes (row, code, log) and the reason is thrown.
     *
     * @throws io.slipway.app.SlipwayError {@code quota-exceeded} when the owner already has, or is uploading, as many apps
     *     as the plan allows; {@code too-many-builds} or {@code build-queue-full} when the builds are full; {@code
     *     build-failed}; {@code start-failed} (422) when it was built but did not start, saying why
     */
    public App deploy(String owner, Plan plan, Upload upload) {
        UploadValidator.Valid valid = validator.validate(upload, null, plan);
        if (valid.alwaysOn()) UptimeSettings.allowAlwaysOn(plan, alwaysOnBesides(owner, null));
        String id = AppIds.next();
        LogSink log = logs.of(id);
        App deployed;
        try (BuildAdmission.Place place = admission.admit(owner, plan, () -> store.count(owner), log)) {
            Instant now = clock.instant();
            App building = new App(id, owner, valid.name(), valid.language(), valid.fileName(), valid.requirements(), valid.sleepAfter(),
                    valid.env(), AppStatus.BUILDING, null, UNBUILT, null, valid.internet(), valid.isPrivate(), plan.name(), now, now, null,
                    valid.healthPath(), valid.transport(), valid.mcp(), valid.alwaysOn(), valid.requestTimeout());
            store.insert(building);
            deployed = build(building, valid, log, place);
        } catch (RuntimeException e) {
            store.delete(owner, id);
            logs.delete(id);
            throw e;
        }
        log.event("deployed " + deployed.name() + " (" + id + ")");
        LOG.info("user {} deployed app {} ({}, {})", owner, id, deployed.name(), deployed.language().id());
        synchronized (lock(id)) {
            // Deleted by its owner between its build and here: it is gone, and stays so.
            if (store.find(owner, id).isEmpty()) {
                throw new io.slipway.app.SlipwayError(io.slipway.app.SlipwayError.Kind.NOT_FOUND, "not-found", "the app was deleted while it was deployed");
            }
            instances.register(deployed);
        }
        try {
            instances.startAndAwait(id);
        } catch (io.slipway.app.SlipwayError e) {
            if ("capacity".equals(e.slug())) {
                // Not the app's fault: it is deployed, and starts on its first request once a slot is free.
                LOG.info("app {} is deployed but not started: {}", id, e.getMessage());
                return find(owner, id).orElse(deployed);
            }
            synchronized (lock(id)) {
                removeEverything(owner, id);
            }
            LOG.info("user {}'s upload {} did not start: {}", owner, id, e.getMessage());
            throw StartFailures.of(e);
        }
        return find(owner, id).orElse(deployed);
    }

    /**
     * Builds the stored {@code building} app's code, moves it into place and records it: the app is then ready, and
     * counted by the store instead of by its place among the uploads in flight.
     */
    private App build(App building, UploadValidator.Valid valid, LogSink log, BuildAdmission.Place place) {
        log.event("building " + valid.fileName() + " for " + valid.language().id());
        BuiltCode built = builder.build(valid.language(), valid.transport(), valid.fileName(), valid.content(), valid.requirements(), log);
        App app = new App(building.id(), building.owner(), building.name(), building.language(), built.entry(), building.requirements(),
                building.sleepAfter(), building.env(), AppStatus.READY, null, built.codeHash(), built.depsKey(), building.internet(),
                building.isPrivate(), building.plan(), building.createdAt(), clock.instant(), null, building.healthPath(),
                building.transport(), building.mcp(), building.alwaysOn(), building.requestTimeout());
        boolean committed = false;
        try {
            sources.built(app, valid.fileName(), valid.content());
            synchronized (lock(app.id())) {
                synchronized (storeLock) {
                    // A delete meanwhile removed the row: the build is dropped, not moved into place.
                    if (store.find(app.owner(), app.id()).isEmpty()) {
                        throw new io.slipway.app.SlipwayError(io.slipway.app.SlipwayError.Kind.NOT_FOUND, "not-found",
                                "the app was deleted while it was building");
                    }
                    committed = true; // the commit ends the build's hold on its dependency set, whatever happens next
                    builder.commit(built, app.id());
                    store.update(app);
                    place.stored();
                }
                versions.recorded(app, null, app.updatedAt());
            }
            sources.serving(app, versions.buildsKept(app));
            return app;
        } catch (RuntimeException e) {
            if (!committed) builder.discard(built);
            artifacts.deleteCodeQuietly(app.id());
            throw e;
        }
    }

    /**
     * New code under the same id and endpoint; fields not sent keep their values. The new version is built, placed
     * beside the one serving and started there; only once it answers is it stored and are new requests sent to it,
     * while those in flight on the old version finish there. Returns once it serves. Empty when the owner has no such app.
     *
     * @throws io.slipway.app.SlipwayError as {@link #deploy} does; {@code start-failed} (422) and {@code capacity} (503)
     *     leave the version serving as it was, its code, settings and instance untouched
     */
    public Optional<App> redeploy(String owner, Plan plan, String id, Upload upload) {
        App old;
        App app;
        java.util.concurrent.CompletableFuture<Void> replacedStopped;
        synchronized (lock(id)) {
            Optional<App> existing = store.find(owner, id);
            if (existing.isEmpty()) return Optional.empty();
            old = existing.get();
            if (UNBUILT.equals(old.codeHash())) {
                // Its first upload is still building (or starting): that upload's answer says how it went.
                throw new io.slipway.app.SlipwayError(io.slipway.app.SlipwayError.Kind.UNAVAILABLE, "still-building",
                        "the app's first upload is still being built; redeploy once that upload has answered", java.time.Duration.ofSeconds(5), null);
            }
            UploadValidator.Valid current = new UploadValidator.Valid(old.entryFile(), null, old.name(), old.language(),
                    old.requirements(), old.sleepAfter(), old.env(), old.internet(), old.isPrivate(), old.healthPath(), old.transport(), old.mcp(),
                    old.alwaysOn(), old.requestTimeout());
            UploadValidator.Valid valid = validator.validate(upload, current, plan);
            if (valid.alwaysOn() && !old.alwaysOn()) UptimeSettings.allowAlwaysOn(plan, alwaysOnBesides(owner, id));
            LogSink log = logs.of(id);
            BuiltCode built;
            try (BuildAdmission.Place place = admission.admit(owner, null, () -> 0, log)) {
                log.event("redeploying with " + valid.fileName());
                built = builder.build(valid.language(), valid.transport(), valid.fileName(), valid.content(), valid.requirements(), log);
            }
            app = new App(id, owner, valid.name(), valid.language(), built.entry(), valid.requirements(), valid.sleepAfter(),
                    valid.env(), AppStatus.READY, null, built.codeHash(), built.depsKey(), valid.internet(), valid.isPrivate(), plan.name(),
                    old.createdAt(), clock.instant(), old.lastActiveAt(), valid.healthPath(), valid.transport(), valid.mcp(),
                    valid.alwaysOn(), valid.requestTimeout());
            try {
                sources.built(app, valid.fileName(), valid.content());
            } catch (RuntimeException e) {
                builder.discard(built);
                throw e;
            }
            replacedStopped = startAndSwitch(old, app, built);
            int number = versions.recorded(app, old, app.updatedAt());
            sources.serving(app, versions.buildsKept(app));
            log.event("redeployed as version " + number);
            LOG.info("user {} redeployed app {}", owner, id);
        }
        if (!old.codeHash().equals(app.codeHash())) replacedStopped.thenRun(() -> removeReplacedBuild(owner, id, old.codeHash()));
        return find(owner, id);
    }

    /**
     * Settings changed without new code ({@link SettingsPatch}). Where the change reaches the app only through a new
     * process (its env, network or readiness probe) and the app runs, a new process starts beside the one serving and
     * takes over once it answers, as a redeploy's does; else the settings are stored and apply from the next request
     * ({@code sleepAfter}, {@code private}) or start. Empty when the owner has no such app.
     *
     * @throws io.slipway.app.SlipwayError {@code invalid-*} (400) for a setting that is not valid, nothing changed; as
     *     {@link #redeploy} does when the new process does not start, the one serving left as it was
     */
    public Optional<App> reconfigure(String owner, Plan plan, String id, String body) {
        synchronized (lock(id)) {
            Optional<App> existing = store.find(owner, id);
            if (existing.isEmpty()) return Optional.empty();
            App old = existing.get();
            if (UNBUILT.equals(old.codeHash())) {
                throw new io.slipway.app.SlipwayError(io.slipway.app.SlipwayError.Kind.UNAVAILABLE, "still-building",
                        "the app's first upload is still being built; change its settings once that upload has answered", java.time.Duration.ofSeconds(5), null);
            }
            SettingsPatch.Result patched = SettingsPatch.apply(old, body, plan, validator, clock.instant(), () -> alwaysOnBesides(owner, id));
            if (patched.changed().isEmpty()) return existing;
            App app = patched.app();
            boolean running = instances.liveStatus(id).filter(s -> s == AppStatus.RUNNING || s == AppStatus.STARTING).isPresent();
            if (patched.needsRestart() && running) {
                switchTo(old, app);
            } else {
                synchronized (storeLock) {
                    store.update(app);
                }
                instances.refresh(app);
            }
            // Names only: an env value is a secret.
            logs.of(id).event("settings changed: " + String.join(", ", patched.changed()) + (patched.changed().contains("env")
                    ? " (variables now: " + String.join(", ", new java.util.TreeSet<>(app.env().keySet())) + ")" : "")
                    + (patched.needsRestart() && running ? "; restarted with them" : ""));
            LOG.info("user {} changed the settings of app {}: {}", owner, id, patched.changed());
        }
        return find(owner, id);
    }

    /**
     * Starts {@code app}, whose build is in place already (the one serving, or a kept version's), beside the version
     * serving, stores it once it answers and switches traffic to it; if it does not start, nothing changes. Under the
     * app's lock.
     */
    private void switchTo(App old, App app) {
        io.slipway.instances.NewVersion next;
        try {
            next = instances.startBeside(app);
        } catch (io.slipway.app.SlipwayError e) {
            throw StartFailures.ofRedeploy(e);
        }
        try {
            synchronized (storeLock) {
                store.update(app);
            }
        } catch (RuntimeException e) {
            next.discard();
            throw e;
        }
        try {
            next.promote();
        } catch (RuntimeException e) {
            synchronized (storeLock) {
                store.update(old);
            }
            if (e instanceof io.slipway.app.SlipwayError error) throw StartFailures.ofRedeploy(error);
            throw e;
        }
    }

    /**
     * Makes version {@code number} the one serving again (a rollback, or forward): its build, kept with it, starts beside
     * the version serving and takes over once it answers, as a redeploy's does; the app's settings stay as they are.
     * Empty when the owner has no such app.
     *
     * @throws io.slipway.app.SlipwayError {@code no-such-version} (404); {@code version-unavailable} (422) when its build
     *     is gone from this Slipway; as {@link #redeploy} does when it does not start, the one serving left as it was
     */
    public Optional<App> activate(String owner, String id, int number) {
        synchronized (lock(id)) {
            Optional<App> existing = store.find(owner, id);
            if (existing.isEmpty()) return Optional.empty();
            App old = existing.get();
            if (UNBUILT.equals(old.codeHash())) {
                throw new io.slipway.app.SlipwayError(io.slipway.app.SlipwayError.Kind.UNAVAILABLE, "still-building",
                        "the app's first upload is still being built", java.time.Duration.ofSeconds(5), null);
            }
            io.slipway.store.VersionStore.Version version = versions.find(old, number).orElseThrow(() -> new io.slipway.app.SlipwayError(
                    io.slipway.app.SlipwayError.Kind.NOT_FOUND, "no-such-version", "the app has no version " + number
                    + " (GET …/versions lists those kept)"));
            if (version.active()) return existing;
            if (!java.nio.file.Files.isDirectory(artifacts.build(id, version.codeHash()))) {
                throw new io.slipway.app.SlipwayError(io.slipway.app.SlipwayError.Kind.UNPROCESSABLE, "version-unavailable", "version " + number
                        + "'s build is no longer on this Slipway; redeploy its file instead");
            }
            App app = version.appliedTo(old, clock.instant());
            switchTo(old, app);
            versions.activated(app, number);
            sources.serving(app, versions.buildsKept(app));
            logs.of(id).event("version " + number + " serves again (" + version.entryFile() + ")");
            LOG.info("user {} activated version {} of app {}", owner, number, id);
        }
        return find(owner, id);
    }

    /** The owner's app's versions, newest first; empty when the owner has no such app. */
    public Optional<List<io.slipway.store.VersionStore.Version>> versions(String owner, String id) {
        return store.find(owner, id).map(versions::of);
    }

    /** The number of each of the owner's apps' active version, where versions are recorded. */
    public java.util.Map<String, Integer> activeVersions(String owner, List<String> ids) {
        return versions.active(owner, ids);
    }

    /**
     * Places the new version's build beside the old one's, starts it there, stores it once it answers, and switches
     * traffic to it; if it does not start, or cannot be stored, it is dropped and nothing else changes. Returns when
     * the version it replaced has stopped. Under the app's lock.
     */
    private java.util.concurrent.CompletableFuture<Void> startAndSwitch(App old, App app, BuiltCode built) {
        boolean ownBuild = !old.codeHash().equals(built.codeHash());
        boolean placed = false;
        io.slipway.instances.NewVersion next;
        try {
            builder.place(built, app.id());
            placed = true;
            next = instances.startBeside(app);
        } catch (RuntimeException e) {
            if (!placed) builder.discard(built); else builder.release(built);
            if (placed && ownBuild) artifacts.removeBuild(app.id(), built.codeHash());
            LOG.info("app {}: the new version was not started: {}", app.id(), e.getMessage());
            if (e instanceof io.slipway.app.SlipwayError error) throw StartFailures.ofRedeploy(error);
            throw e;
        }
        try {
            synchronized (storeLock) {
                store.update(app);
            }
        } catch (RuntimeException e) {
            next.discard();
            if (ownBuild) artifacts.removeBuild(app.id(), built.codeHash());
            throw e;
        } finally {
            builder.release(built);
        }
        try {
            return next.promote();
        } catch (RuntimeException e) {
            // Its sandbox ended between its probe and the switch: the old version still serves, and is stored again.
            synchronized (storeLock) {
                store.update(old);
            }
            if (ownBuild) artifacts.removeBuild(app.id(), built.codeHash());
            if (e instanceof io.slipway.app.SlipwayError error) throw StartFailures.ofRedeploy(error);
            throw e;
        }
    }

    /** The build of a version that was replaced, once its sandbox stopped, unless a later redeploy brought it back. */
    private void removeReplacedBuild(String owner, String id, String codeHash) {
        synchronized (lock(id)) {
            Optional<App> now = store.find(owner, id);
            if (now.isEmpty() || versions.buildsKept(now.get()).contains(codeHash)) return;
            artifacts.removeBuild(id, codeHash);
            artifacts.removeOldLayout(id, now.get().codeHash());
        }
    }

    /** Stops the app and removes its row, code and log. False when the owner has no such app. */
    public boolean delete(String owner, String id) {
        synchronized (lock(id)) {
            Optional<App> app = store.find(owner, id);
            if (app.isEmpty()) return false;
            removeEverything(owner, id);
            LOG.info("user {} deleted app {}", owner, id);
        }
        locks.remove(id);
        return true;
    }

    /** Stops the app's instance and removes its row, code and log (and what {@link #onDelete} removes). */
    private void removeEverything(String owner, String id) {
        instances.remove(id);
        if (onDelete != null) onDelete.accept(id);
        versions.deleteAllOf(owner, id);
        store.delete(owner, id);
        artifacts.deleteCode(id);
        logs.delete(id);
    }

    /**
     * Removes the dependency sets no stored app uses once they have been unused for {@code keep}; see {@link
     * io.slipway.build.DependencySets#sweep}. Under the store lock, so that no app is stored meanwhile. Returns how many.
     */
    public int removeUnusedDependencySets(java.time.Duration keep) {
        synchronized (storeLock) {
            java.util.Map<io.slipway.app.Language, java.util.Set<String>> used = new java.util.EnumMap<>(io.slipway.app.Language.class);
            for (App app : store.listAll()) {
                if (app.depsKey() != null) used.computeIfAbsent(app.language(), l -> new java.util.HashSet<>()).add(app.depsKey());
            }
            // A kept version's dependency set is in use too: activating it again needs no install.
            versions.dependencySetsKept().forEach((language, keys) -> used.computeIfAbsent(language, l -> new java.util.HashSet<>()).addAll(keys));
            return builder.dependencySets().sweep(used, keep, clock.instant());
        }
    }

    /** Where each version's uploaded file is kept beyond the data dir (replicas); {@link Sources#NONE} until set. */
    public void keepSourcesIn(Sources sources) {
        this.sources = sources;
    }

    /** Also run when an app is deleted, after its instance stopped (its API keys go with it). */
    public void onDelete(java.util.function.Consumer<String> action) {
        this.onDelete = action;
    }

    public Optional<App> find(String owner, String id) {
        return store.find(owner, id).map(this::live);
    }

    public List<App> list(String owner) {
        return store.list(owner).stream().map(this::live).toList();
    }

    /** The stored app with its live status and last activity, which change without a write on every request. */
    private App live(App app) {
        AppStatus status = instances.liveStatus(app.id()).orElse(app.status());
        Instant lastActive = instances.lastActive(app.id()).orElse(app.lastActiveAt());
        return new App(app.id(), app.owner(), app.name(), app.language(), app.entryFile(), app.requirements(), app.sleepAfter(),
                app.env(), status, status == AppStatus.FAILED ? app.error() : null, app.codeHash(), app.depsKey(),
                app.internet(), app.isPrivate(), app.plan(), app.createdAt(), app.updatedAt(), lastActive, app.healthPath(),
                app.transport(), app.mcp(), app.alwaysOn(), app.requestTimeout());
    }

    /** How many of the owner's apps other than {@code id} (null: any) are always on. */
    private long alwaysOnBesides(String owner, String id) {
        return store.list(owner).stream().filter(a -> a.alwaysOn() && !a.id().equals(id)).count();
    }

    private Object lock(String id) {
        return locks.computeIfAbsent(id, k -> new Object());
    }

    /**
     * Removes what uploads cut short by a crash left behind: a first upload's row is stored as {@code building} before
     * its build, its code is moved into {@code apps/} before the row is updated, and its log is written from the first
     * build step, so a kill -9 in between leaves a row with no code, or code or a log with no app. (Unfinished work in {@code tmp/} is cleared when the data dir is prepared.) Returns how many apps' remains
     * were removed.
     *
     * @param apps every stored app, as start-up has just listed them
     */
    public int removeUnfinished(List<App> apps) {
        java.util.Set<String> known = new java.util.HashSet<>();
        java.util.Set<String> removed = new java.util.TreeSet<>();
        for (App app : apps) {
            if (app.status() == AppStatus.BUILDING && UNBUILT.equals(app.codeHash())) {
                // A first upload whose build a crash cut short: its client never heard 201, and nothing of it is kept.
                removeEverything(app.owner(), app.id());
                removed.add(app.id());
            } else {
                known.add(app.id());
                // A redeploy cut short leaves its new build beside the stored one; the stored one is what runs.
                if (!UNBUILT.equals(app.codeHash())) artifacts.retainOnly(app.id(), app.codeHash(), versions.buildsKept(app));
            }
        }
        for (String id : artifacts.appsWithCode()) {
            if (AppIds.looksLikeOne(id) && !known.contains(id)) {
                artifacts.deleteCodeQuietly(id);
                removed.add(id);
            }
        }
        for (String id : logs.names()) {
            if (AppIds.looksLikeOne(id) && !known.contains(id)) {
                logs.delete(id);
                removed.add(id);
            }
        }
        removed.forEach(id -> LOG.info("removed the remains of app {}, whose upload did not finish before a crash", id));
        return removed.size();
    }
}
