package io.slipway.metering;

import io.slipway.store.Database;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import org.jdbi.v3.core.Jdbi;

/** The {@code app_usage} table: one row per app and month, only ever added to. Queries are scoped to the owner. */
public final class UsageStore {
    /** One app's use in one month. {@code activeUnits} are 10 ms each. */
    public record Row(String appId, String month, long activeUnits, long requests) {
        public double activeSeconds() {
            return activeUnits / 100.0;
        }
    }

    private final Jdbi jdbi;

    public UsageStore(Database database) {
        this.jdbi = database.jdbi();
    }

    public static String month(Instant at) {
        return YearMonth.from(at.atZone(ZoneOffset.UTC)).toString();
    }

    /** Adds to the app's row of the month; active time is rounded down to whole 10 ms units, never lost beyond that. */
    public void add(String appId, String owner, Instant at, Usage usage) {
        if (usage.isEmpty()) return;
        jdbi.useHandle(h -> h.createUpdate("INSERT INTO app_usage (app_id, owner, month, active_units, requests) "
                        + "VALUES (:app, :owner, :month, :units, :requests) ON CONFLICT (app_id, month) DO UPDATE SET "
                        + "active_units = app_usage.active_units + excluded.active_units, requests = app_usage.requests + excluded.requests")
                .bind("app", appId).bind("owner", owner).bind("month", month(at)).bind("units", usage.activeMillis() / 10)
                .bind("requests", usage.requests()).execute());
    }

    public List<Row> forOwner(String owner, String month) {
        return jdbi.withHandle(h -> h.createQuery("SELECT app_id, month, active_units, requests FROM app_usage "
                        + "WHERE owner = :owner AND month = :month ORDER BY app_id")
                .bind("owner", owner).bind("month", month)
                .map((rs, ctx) -> new Row(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4))).list());
    }
}
