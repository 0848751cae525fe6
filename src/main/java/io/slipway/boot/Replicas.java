package io.slipway.boot;

import io.slipway.app.App;
import io.slipway.app.AppStatus;
import io.slipway.app.DataDir;
import io.slipway.artifacts.LocalArtifactStore;
import io.slipway.cluster.AppLeases;
import io.slipway.cluster.Placement;
import io.slipway.cluster.Replica;
import io.slipway.config.SlipwayConfig;
import io.slipway.instances.Instances;
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
     * Gates the instances' starts by the leases, renews them, and returns the data plane's placement.
     *
     * @param known told of an app deployed through another replica before its first request here is served
     */
    public Placement attach(Instances instances, AppStore store, LocalArtifactStore artifacts, Consumer<App> known) {
        instances.gateStartsWith(leases);
        leases.renewEveryThirdOfThePeriod(instances::runningHere, instances::sleep);
        return new Placement(cluster, replica, clock, period,
                id -> instances.liveStatus(id).map(s -> s == AppStatus.RUNNING || s == AppStatus.STARTING).orElse(false),
                id -> store.findById(id).map(app -> hasBuild(artifacts, app)).orElse(false),
                id -> store.findById(id).ifPresent(known));
    }

    private static boolean hasBuild(LocalArtifactStore artifacts, App app) {
        return Files.isDirectory(artifacts.directory(app.id(), Layer.of(Layer.Kind.CODE, app.codeHash())));
    }

    @Override
    public void close() {
        leases.close();
    }
}
