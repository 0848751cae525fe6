package io.slipway.boot;

import io.slipway.app.App;
import io.slipway.app.AppStatus;
import io.slipway.app.DataDir;
import io.slipway.artifacts.LocalArtifactStore;
import io.slipway.cluster.AppLeases;
import io.slipway.cluster.Placement;
import io.slipway.cluster.Replica;
import io.slipway.config.SlipwayConfig;
import io.slipway.build.AppBuilder;
import io.slipway.build.BuiltCode;
import io.slipway.deploy.Deployments;
import io.slipway.deploy.Sources;
import io.slipway.instances.InstanceUnavailableException;
import io.slipway.instances.Instances;
import io.slipway.instances.StartGate;
import io.slipway.logs.LogSink;
import io.slipway.store.SourceStore;
import io.slipway.instances.LifecycleListener;
import io.slipway.runtime.Layer;
import io.slipway.store.AppStore;
import io.slipway.store.ClusterStore;
import io.slipway.store.Database;
import java.net.URI;
import java.nio.file.Files;
import java.time.Duration;
import java.time.InstantSource;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.IntSupplier;

/**
 * The wiring of replicas sharing a PostgreSQL database ({@code io.slipway.cluster}): this replica, the leases its starts
 * claim and its stops release, and the data plane's placement. Made only on PostgreSQL; one Slipway on SQLite has none
 * of it.
 */
public record Replicas(Replica replica, AppLeases leases, ClusterStore cluster, Duration period, InstantSource clock) implements AutoCloseable {
    /** This replica and its leases, before the instances exist (their listener releases leases: {@link #releasesOnStop}). */
    public static Replicas on(Database database, SlipwayConfig config, DataDir dataDir, InstantSource clock, IntSupplier port) {
        ClusterStore cluster = new ClusterStore(database);
        String defaultUrl = "http://127.0.0.1:";
        Replica replica = new Replica(Replica.idOf(dataDir.root()),
                () -> config.cluster().advertiseUrl().map(URI::toString).orElseGet(() -> defaultUrl + port.getAsInt()));
        Duration period = config.cluster().leasePeriod();
        return new Replicas(replica, new AppLeases(cluster, replica, clock, period), cluster, period, clock);
    }

    /** Releases an app's lease when it stops here: it slept, or failed. */
    public LifecycleListener releasesOnStop() {
        return (appId, status, error, lastActiveAt) -> {
            if (status == AppStatus.SLEEPING || status == AppStatus.FAILED) leases.released(appId);
        };
    }

    /**
     * Gates the instances' starts by the leases (and builds an app first where this replica lacks its build), renews
     * them, keeps each version's upload in the database for the other replicas, and returns the data plane's placement.
     *
     * @param known told of an app deployed through another replica before its first request here is served
     */
    public Placement attach(Instances instances, Deployments deployments, AppStore store, LocalArtifactStore artifacts, AppBuilder builder,
                            SourceStore sources, Function<String, LogSink> logs, Consumer<App> known) {
        deployments.keepSourcesIn(new Sources() {
            @Override
            public void built(App app, String fileName, byte[] content) {
                sources.put(app.id(), app.owner(), app.codeHash(), fileName, content);
            }

            @Override
            public void serving(App app, java.util.Set<String> kept) {
                sources.retainOnly(app.id(), kept);
            }
        });
        instances.gateStartsWith(new StartGate() {
            @Override
            public void claim(String appId) {
                leases.claim(appId);
                store.findById(appId).ifPresent(app -> {
                    instances.refresh(app);
                    if (!hasBuild(artifacts, app)) buildHere(app, builder, sources, logs.apply(appId));
                });
            }

            @Override
            public void released(String appId) {
                leases.released(appId);
            }
        });
        leases.renewEveryThirdOfThePeriod(instances::runningHere, instances::sleep);
        return new Placement(cluster, replica, clock, period,
                id -> instances.liveStatus(id).map(s -> s == AppStatus.RUNNING || s == AppStatus.STARTING).orElse(false),
                id -> store.findById(id).map(app -> hasBuild(artifacts, app)).orElse(false),
                id -> store.findById(id).ifPresent(known));
    }

    /**
     * Builds the app's version on this replica, which never ran it (it was built on another, which may have gone), from
     * the upload the database keeps: the same inputs give the same build, under the same digest.
     */
    private static void buildHere(App app, AppBuilder builder, SourceStore sources, LogSink log) {
        SourceStore.Source source = sources.find(app.id(), app.codeHash()).orElseThrow(() -> InstanceUnavailableException.cannotRunHere(
                "this replica of Slipway has not the app's build, and the database has not what it was built from (it was deployed "
                        + "before replicas kept uploads): redeploy it", null));
        log.event("building " + source.fileName() + " on this replica, which had not run this version");
        BuiltCode built = builder.build(app.language(), app.transport(), source.fileName(), source.content(), app.requirements(), log);
        if (!built.codeHash().equals(app.codeHash())) {
            builder.discard(built);
            throw InstanceUnavailableException.cannotRunHere("built again on this replica, the app's files differ from the version "
                    + "deployed (another esbuild or a dependency set resolved otherwise): redeploy it", log.tail(2048));
        }
        builder.commit(built, app.id());
    }

    private static boolean hasBuild(LocalArtifactStore artifacts, App app) {
        return Files.isDirectory(artifacts.directory(app.id(), Layer.of(Layer.Kind.CODE, app.codeHash())));
    }

    @Override
    public void close() {
        leases.close();
    }
}
