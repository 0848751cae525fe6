package io.slipway.instances;

import io.slipway.metering.Usage;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * What one app has done since its use was last taken: requests, bytes each way, and active time (running, in whole
 * 10 ms units, the remainder carried over), plus when it was last active. The proxy's hot path touches it on every
 * request and body chunk, so those updates are lock-free and allocate nothing; the active-time clock is guarded by
 * this object's lock.
 */
final class ActivityMeter {
    private static final long NEVER = Long.MIN_VALUE;

    private final InstantSource clock;
    // Epoch milliseconds of the last sign of activity, NEVER when none: a long rather than an Instant, no allocation.
    private volatile long lastActive;
    private final AtomicLong requests = new AtomicLong();
    private final LongAdder bytesIn = new LongAdder();
    private final LongAdder bytesOut = new LongAdder();
    // Guarded by this: the start of the active period not yet taken (null unless running), and active milliseconds not
    // yet taken, including the remainder below one 10 ms unit.
    private Instant runningFrom;
    private long untakenMillis;
    // Guarded by this: use taken but not written to the store yet, which live figures still show.
    private Usage writing = Usage.NONE;

    ActivityMeter(InstantSource clock, Instant lastActive) {
        this.clock = clock;
        this.lastActive = lastActive == null ? NEVER : lastActive.toEpochMilli();
    }

    /** A request arrived. */
    void request() {
        requests.incrementAndGet();
    }

    /** A sign of life of the app: its activity is renewed. */
    void touch() {
        lastActive = clock.millis();
    }

    void received(int bytes) {
        bytesIn.add(bytes);
        touch();
    }

    void sent(int bytes) {
        bytesOut.add(bytes);
        touch();
    }

    /** The last sign of activity, or null when there was none. */
    Instant lastActive() {
        long last = lastActive;
        return last == NEVER ? null : Instant.ofEpochMilli(last);
    }

    /** The app runs from now: its active time counts. */
    synchronized void running() {
        runningFrom = clock.instant();
    }

    /** The app stopped running: the time since {@link #running()} waits to be taken. */
    synchronized void stopped() {
        if (runningFrom != null) {
            untakenMillis += Duration.between(runningFrom, clock.instant()).toMillis();
            runningFrom = null;
        }
    }

    /**
     * The use since the last call, in whole 10 ms units, and resets it; the remainder is kept for the next call. The
     * caller writes it to the store and then says {@link #written} or {@link #notWritten}; until then {@link #unwritten}
     * still counts it.
     */
    synchronized Usage take(Instant now) {
        long active = activeMillis(now);
        if (runningFrom != null) runningFrom = now;
        untakenMillis = active % 10;
        Usage taken = new Usage(active - active % 10, requests.getAndSet(0), bytesIn.sumThenReset(), bytesOut.sumThenReset());
        writing = writing.plus(taken);
        return taken;
    }

    /** What {@link #take} returned is in the store. */
    synchronized void written(Usage taken) {
        writing = writing.minus(taken);
    }

    /** What {@link #take} returned could not be stored: it is counted again, for the next take. */
    synchronized void notWritten(Usage taken) {
        writing = writing.minus(taken);
        untakenMillis += taken.activeMillis();
        requests.addAndGet(taken.requests());
        bytesIn.add(taken.bytesIn());
        bytesOut.add(taken.bytesOut());
    }

    /** Everything not in the store yet, taken or not: what live figures add to the stored ones. */
    synchronized Usage unwritten(Instant now) {
        long active = activeMillis(now);
        return new Usage(active - active % 10, requests.get(), bytesIn.sum(), bytesOut.sum()).plus(writing);
    }

    private long activeMillis(Instant now) {
        return untakenMillis + (runningFrom == null ? 0 : Math.max(0, Duration.between(runningFrom, now).toMillis()));
    }
}
