package io.slipway.instances;

import io.slipway.instances.InstanceState.Running;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The exchanges with one app, each held by a {@link Lease}: how many are in flight (from the request's arrival, waits for
 * a start included, to its release), how many still wait for the app's answer (which keeps the app awake), and what
 * their clients are told when the sandbox they are on goes or is put to sleep. Every lease's counters are its
 * instance's {@link ActivityMeter}. Lock-free: the proxy goes through it on every request and body chunk.
 */
final class Exchanges {
    private static final Logger LOG = LoggerFactory.getLogger(Exchanges.class);

    private final String appId;
    private final ActivityMeter meter;
    private final AtomicInteger inFlight = new AtomicInteger();
    // Leases whose answer has not begun: the app is working on them, so it stays awake.
    private final AtomicInteger awaiting = new AtomicInteger();
    private final Set<OpenLease> open = ConcurrentHashMap.newKeySet();

    Exchanges(String appId, ActivityMeter meter) {
        this.appId = appId;
        this.meter = meter;
    }

    /** A request arrived for a lease: it is in flight, and awaits an answer, from now. */
    void arrived() {
        inFlight.incrementAndGet();
        awaiting.incrementAndGet();
    }

    /** A request that {@link #arrived()} gets no lease after all (its start failed). */
    void refused() {
        inFlight.decrementAndGet();
        awaiting.decrementAndGet();
    }

    /** The lease of a request that {@link #arrived()}, on {@code running}. */
    Lease lease(Running running) {
        meter.touch();
        OpenLease lease = new OpenLease(running);
        open.add(lease);
        return lease;
    }

    int inFlight() {
        return inFlight.get();
    }

    /** Whether a request waits for the app's answer (or for its start). */
    boolean awaited() {
        return awaiting.get() > 0;
    }

    /**
     * The instance let go of the sandbox of {@code gone}, whose {@link Running#gone()} it completed: the exchanges open
     * on it are told ({@link Lease#onGone}). Those on another version of the app (a redeploy's) go on.
     */
    void sandboxGone(Running gone) {
        open.forEach(lease -> lease.sandboxGone(gone));
    }

    /**
     * Tells the clients of streams still open on {@code running} that the app is going to sleep, and waits (2 s at most)
     * until they are told.
     */
    void endForSleep(Running running) {
        var ends = open.stream().filter(lease -> lease.running == running).map(OpenLease::endForSleep).toArray(CompletableFuture[]::new);
        if (ends.length == 0) return;
        try {
            CompletableFuture.allOf(ends).get(2, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.debug("app {}: not every open stream ended cleanly before sleep: {}", appId, e.toString());
        }
    }

    /**
     * Waits until every exchange open on {@code old} (a version a redeploy replaced) has ended, its sandbox has exited,
     * or {@code within} has passed; returns how many are still open then. Blocks.
     */
    int drain(Running old, Duration within) {
        List<OpenLease> on = open.stream().filter(lease -> lease.running == old).toList();
        if (on.isEmpty()) return 0;
        CompletableFuture<?> allEnded = CompletableFuture.allOf(on.stream().map(OpenLease::ended).toArray(CompletableFuture[]::new));
        try {
            CompletableFuture.anyOf(allEnded, old.sandbox().exited()).get(within.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // counted below
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return (int) on.stream().filter(lease -> !lease.released.get()).count();
    }

    /** One exchange with the app. */
    private final class OpenLease implements Lease {
        private final Running running;
        private final AtomicBoolean answered = new AtomicBoolean();
        private final AtomicBoolean released = new AtomicBoolean();
        private volatile Supplier<CompletionStage<Void>> endCleanly;
        private volatile Runnable whenGone;
        // Made only for an exchange a drain waits for: most never need one.
        private final AtomicReference<CompletableFuture<Void>> whenEnded = new AtomicReference<>();

        OpenLease(Running running) {
            this.running = running;
        }

        @Override
        public SocketAddress address() {
            return running.sandbox().address();
        }

        @Override
        public Object process() {
            return running;
        }

        @Override
        public CompletionStage<Long> gone() {
            return running.gone().minimalCompletionStage();
        }

        @Override
        public void answered() {
            if (!released.get() && answered.compareAndSet(false, true)) awaiting.decrementAndGet();
            meter.touch();
        }

        @Override
        public void received(int bytes) {
            meter.received(bytes);
        }

        @Override
        public void sent(int bytes) {
            meter.sent(bytes);
        }

        @Override
        public void onSleep(Supplier<CompletionStage<Void>> end) {
            this.endCleanly = end;
        }

        @Override
        public void onGone(Runnable action) {
            this.whenGone = action;
        }

        /** The instance let go of {@code gone}'s sandbox: if it is this exchange's, its action runs. */
        void sandboxGone(Running gone) {
            Runnable action = whenGone;
            if (action != null && running == gone && running.gone().isDone()) action.run();
        }

        /** Completes once the exchange is released. */
        CompletableFuture<Void> ended() {
            whenEnded.compareAndSet(null, new CompletableFuture<>());
            CompletableFuture<Void> ended = whenEnded.get();
            if (released.get()) ended.complete(null);
            return ended;
        }

        @Override
        public void release() {
            if (released.compareAndSet(false, true)) {
                if (!answered.get()) awaiting.decrementAndGet();
                meter.touch();
                inFlight.decrementAndGet();
                open.remove(this);
                CompletableFuture<Void> ended = whenEnded.get();
                if (ended != null) ended.complete(null);
            }
        }

        CompletableFuture<Void> endForSleep() {
            Supplier<CompletionStage<Void>> end = endCleanly;
            return end == null ? CompletableFuture.completedFuture(null) : end.get().toCompletableFuture();
        }
    }
}
