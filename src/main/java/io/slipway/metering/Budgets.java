package io.slipway.metering;

import io.slipway.config.Plan;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Each user's active time this month, against the monthly budget of their plan. Kept in memory (loaded from the
 * store at start, then fed by every metering flush) so that the data plane checks a budget without blocking. It lags
 * the store by at most one flush interval. A new month starts every user from zero.
 */
public final class Budgets {
    private final InstantSource clock;
    private final Map<String, Long> unitsByOwner = new ConcurrentHashMap<>();
    private String month;
    // When the month being counted ends: checked on every request, so cheaper than working out the month each time.
    private volatile long monthEndsAtMillis;

    public Budgets(UsageStore store, InstantSource clock) {
        this.clock = clock;
        Instant now = clock.instant();
        this.month = UsageStore.month(now);
        this.monthEndsAtMillis = startOfNextMonth(now).toEpochMilli();
        unitsByOwner.putAll(store.activeUnitsByOwner(month));
    }

    /**
     * Adds metered active time of one of {@code owner}'s apps.
     *
     * @return true when this addition used up the owner's budget: the moment to put their running apps to sleep
     */
    public boolean add(String owner, Plan plan, Instant at, long activeUnits) {
        if (activeUnits <= 0) return false;
        rollOver(at);
        long after = unitsByOwner.merge(owner, activeUnits, Long::sum);
        long limit = limitUnits(plan);
        return after >= limit && after - activeUnits < limit;
    }

    /** Whether the owner has no active time left this month. Never blocks. */
    public boolean exhausted(String owner, Plan plan) {
        Instant now = clock.instant();
        if (now.toEpochMilli() >= monthEndsAtMillis) rollOver(now);
        return unitsByOwner.getOrDefault(owner, 0L) >= limitUnits(plan);
    }

    /** How long until the budgets start again: the first instant of next month, UTC. */
    public Duration untilNextMonth() {
        Instant now = clock.instant();
        return Duration.between(now, startOfNextMonth(now));
    }

    private static Instant startOfNextMonth(Instant now) {
        return YearMonth.from(now.atZone(ZoneOffset.UTC)).plusMonths(1).atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    private static long limitUnits(Plan plan) {
        return plan.activeTimePerMonth().toMillis() / 10;
    }

    private synchronized void rollOver(Instant at) {
        String current = UsageStore.month(at);
        if (current.compareTo(month) > 0) {
            month = current;
            monthEndsAtMillis = startOfNextMonth(at).toEpochMilli();
            unitsByOwner.clear();
        }
    }
}
