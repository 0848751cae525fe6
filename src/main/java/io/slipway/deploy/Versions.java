package io.slipway.deploy;

import io.slipway.app.App;
import io.slipway.app.Language;
import io.slipway.artifacts.LocalArtifactStore;
import io.slipway.store.VersionStore;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The numbered versions of apps as deploys make them: each successful upload and redeploy records one ({@link
 * VersionStore}), the {@code keep} newest are kept with their builds, and the builds of older ones go. A version's
 * build stays under the data dir for as long as the version is kept, so that it can be activated again without a
 * build.
 */
public final class Versions {
    /** Without a store: nothing kept but the version serving (tests of the lifecycle alone). */
    public static final int DEFAULT_KEPT = 5;

    private final VersionStore store;
    private final LocalArtifactStore artifacts;
    private final int keep;

    public Versions(VersionStore store, LocalArtifactStore artifacts, int keep) {
        if (keep < 1) throw new IllegalArgumentException("at least one version is kept");
        this.store = store;
        this.artifacts = artifacts;
        this.keep = keep;
    }

    /**
     * {@code app} serves now as a new version; {@code before} (null for an upload) is what served until now, recorded as
     * version 1 first where it was deployed before versions were kept. The builds of versions no longer kept go.
     * Returns the new version's number.
     */
    int recorded(App app, App before, Instant at) {
        int number = store.record(app, before, at);
        for (String dropped : store.retain(app, keep)) {
            if (!dropped.equals(app.codeHash())) artifacts.removeBuild(app.id(), dropped);
        }
        return number;
    }

    /** The app's versions, newest first. */
    public List<VersionStore.Version> of(App app) {
        return store.list(app);
    }

    Optional<VersionStore.Version> find(App app, int number) {
        return store.find(app, number);
    }

    void activated(App app, int number) {
        store.activate(app, number);
    }

    /** The code digests of the builds of {@code app} that must stay: its kept versions' and the one serving. */
    Set<String> buildsKept(App app) {
        Set<String> kept = store.codeKept(app);
        kept.add(app.codeHash());
        return kept;
    }

    /** The number of the active version of each of {@code owner}'s apps that has versions recorded. */
    public Map<String, Integer> active(String owner, List<String> apps) {
        return store.active(owner, apps);
    }

    Map<Language, Set<String>> dependencySetsKept() {
        return store.dependencySetsKept();
    }

    void deleteAllOf(String owner, String appId) {
        store.deleteAllOf(owner, appId);
    }
}
