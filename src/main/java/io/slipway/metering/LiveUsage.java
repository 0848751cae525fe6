package io.slipway.metering;

import java.time.InstantSource;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * This month's use as the API shows it: what the store holds plus what the running instances have used since their
 * last flush, so that figures are live rather than up to {@code metering.flushInterval} old.
 */
public final class LiveUsage {
    private final UsageStore store;
    private final Function<String, Usage> unwritten;
    private final InstantSource clock;

    /** @param unwritten each app's use not in the store yet, by app id ({@link Usage#NONE} for none) */
    public LiveUsage(UsageStore store, Function<String, Usage> unwritten, InstantSource clock) {
        this.store = store;
        this.unwritten = unwritten;
        this.clock = clock;
    }

    /** The month the figures are for: the current one, UTC. */
    public String month() {
        return UsageStore.month(clock.instant());
    }

    /**
     * The owner's use this month by app id: every app with stored use (deleted ones included), and {@code apps} with
     * their unwritten use added.
     */
    public Map<String, UsageStore.Row> forOwner(String owner, Collection<String> apps) {
        String month = month();
        Map<String, UsageStore.Row> rows = new HashMap<>();
        store.forOwner(owner, month).forEach(r -> rows.put(r.appId(), r));
        for (String app : apps) {
            Usage live = unwritten.apply(app);
            if (live.isEmpty()) continue;
            UsageStore.Row stored = rows.getOrDefault(app, new UsageStore.Row(app, month, 0, 0, 0, 0));
            rows.put(app, new UsageStore.Row(app, month, stored.activeUnits() + live.activeMillis() / 10, stored.requests() + live.requests(),
                    stored.bytesIn() + live.bytesIn(), stored.bytesOut() + live.bytesOut()));
        }
        return rows;
    }
}
