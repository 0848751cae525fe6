package io.slipway.cluster;

import io.slipway.store.ClusterStore;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Where the data plane serves a request for an app: here, or at the replica that runs it. Here, without asking the
 * database, when the app's sandbox starts or runs on this replica ({@link #surelyHere}); otherwise by its lease
 * ({@link #elsewhere}): at the replica holding an unexpired one; at the replica that held the last one when this one
 * lacks the app's build (that one has it, and takes the lease again) and that replica answers; else here, where the
 * start claims the lease (and builds the app first when it must).
 * A replica found elsewhere is remembered for a second, so that a stream of requests costs one query a second.
 */
public final class Placement {
    private static final Duration REMEMBERED = Duration.ofSeconds(1);

    private record Remembered(String url, Instant until) {
    }

    private final ClusterStore store;
    private final Replica replica;
    private final InstantSource clock;
    private final Predicate<String> runsHere;
    private final Predicate<String> hasBuildHere;
    private final Consumer<String> servedHere;
    private final Duration leasePeriod;
    private final Map<String, Remembered> remembered = new ConcurrentHashMap<>();
    /** Replicas that did not answer, by URL, and until when they are taken for gone. */
    private final Map<String, Instant> unreachable = new ConcurrentHashMap<>();

    /**
     * @param runsHere     whether the app's sandbox starts or runs on this replica now (never blocks)
     * @param hasBuildHere whether this replica has the build of the app's current version (may block)
     * @param servedHere   told of each app {@link #elsewhere} finds served here, before its request goes on, so that the
     *                     wiring makes an app deployed through another replica known here (may block)
     */
    public Placement(ClusterStore store, Replica replica, InstantSource clock, Duration leasePeriod, Predicate<String> runsHere,
                     Predicate<String> hasBuildHere, Consumer<String> servedHere) {
        this.store = store;
        this.replica = replica;
        this.clock = clock;
        this.leasePeriod = leasePeriod;
        this.runsHere = runsHere;
        this.hasBuildHere = hasBuildHere;
        this.servedHere = servedHere;
    }

    public Replica replica() {
        return replica;
    }

    /** How long a lease lasts unrenewed: how soon the apps of a replica that died are taken over. */
    public Duration leasePeriod() {
        return leasePeriod;
    }

    /** Whether a request for {@code appId} is served here for sure, without asking the database. Never blocks. */
    public boolean surelyHere(String appId) {
        return runsHere.test(appId);
    }

    /** The URL of the replica that serves {@code appId}, or empty when it is this one. Blocks: run it off the event loop. */
    public Optional<String> elsewhere(String appId) {
        Instant now = clock.instant();
        Remembered known = remembered.get(appId);
        if (known != null && known.until().isAfter(now)) return Optional.of(known.url());
        Optional<String> there = replicaFor(appId, now);
        if (there.isEmpty()) servedHere.accept(appId);
        return there;
    }

    private Optional<String> replicaFor(String appId, Instant now) {
        Optional<ClusterStore.Lease> last = store.last(appId);
        if (last.isEmpty() || last.get().heldBy(replica.id())) return Optional.empty();
        if (!last.get().expiresAt().isBefore(now)) {
            remembered.put(appId, new Remembered(last.get().holderUrl(), now.plus(REMEMBERED)));
            return Optional.of(last.get().holderUrl());
        }
        Instant silentUntil = unreachable.get(last.get().holderUrl());
        boolean silent = silentUntil != null && silentUntil.isAfter(now);
        return silent || hasBuildHere.test(appId) ? Optional.empty() : Optional.of(last.get().holderUrl());
    }

    /**
     * For the control plane: the URL of the replica that holds an unexpired lease on {@code appId} (it runs the app),
     * or, with {@code orLast}, of the one that held the last (it has the app's build and latest log); empty when that
     * is this replica, or none. Blocks.
     */
    public Optional<String> holder(String appId, boolean orLast) {
        Optional<ClusterStore.Lease> last = store.last(appId);
        if (last.isEmpty() || last.get().heldBy(replica.id())) return Optional.empty();
        boolean live = !last.get().expiresAt().isBefore(clock.instant());
        return live || orLast ? Optional.of(last.get().holderUrl()) : Optional.empty();
    }

    /**
     * The replica at {@code url} did not answer a request for {@code appId}: the database is asked again next time, and
     * for a lease period an app it held last, whose lease ran out, is served here rather than relayed to it.
     */
    public void unreachable(String appId, String url) {
        remembered.remove(appId);
        unreachable.put(url, clock.instant().plus(leasePeriod));
    }
}
