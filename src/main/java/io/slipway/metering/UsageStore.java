package io.slipway.metering;

import io.slipway.store.Database;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The {@code app_usage} table: one row per app and month, only ever added to. Queries run in the owner's scope,
 * except {@link #activeUnitsByOwner}, which the data plane reads once at start to know every user's budget.
 */
public final class UsageStore {
    /** One app's use in one month. {@code activeUnits} are 10 ms each. */
    public record Row(String appId, String month, long activeUnits, long requests, long bytesIn, long bytesOut) {
        public double activeSeconds() {
            return activeUnits / 100.0;
        }
    }

    private final Database db;

    public UsageStore(Database database) {
        this.db = database;
    }

    public static String month(Instant at) {
        return YearMonth.from(at.atZone(ZoneOffset.UTC)).toString();
    }

    /** Adds to the app's row of the month; active time is rounded down to whole 10 ms units, never lost beyond that. */
    public void add(String appId, String owner, Instant at, Usage usage) {
        if (usage.isEmpty()) return;
        db.asUser(owner, h -> h.createUpdate("INSERT INTO app_usage (app_id, owner, month, active_units, requests, bytes_in, bytes_out) "
                        + "VALUES (:app, :owner, :month, :units, :requests, :in, :out) ON CONFLICT (app_id, month) DO UPDATE SET "
                        + "active_units = app_usage.active_units + excluded.active_units, requests = app_usage.requests + excluded.requests, "
                        + "bytes_in = app_usage.bytes_in + excluded.bytes_in, bytes_out = app_usage.bytes_out + excluded.bytes_out")
                .bind("app", appId).bind("owner", owner).bind("month", month(at)).bind("units", usage.activeMillis() / 10)
                .bind("requests", usage.requests()).bind("in", usage.bytesIn()).bind("out", usage.bytesOut()).execute());
    }

    public List<Row> forOwner(String owner, String month) {
        return db.asUser(owner, h -> h.createQuery("SELECT app_id, month, active_units, requests, bytes_in, bytes_out FROM app_usage "
                        + "WHERE owner = :owner AND month = :month ORDER BY app_id")
                .bind("owner", owner).bind("month", month)
                .map((rs, ctx) -> new Row(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4), rs.getLong(5), rs.getLong(6)))
                .list());
    }

    /** Every user's active units in the month, apps deleted since included: what their budgets are measured against. */
    public Map<String, Long> activeUnitsByOwner(String month) {
        return db.asSystem(h -> h.createQuery("SELECT owner, SUM(active_units) FROM app_usage WHERE month = :month GROUP BY owner")
                .bind("month", month).map((rs, ctx) -> Map.entry(rs.getString(1), rs.getLong(2))).list())
                .stream().collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }
}
