package io.slipway.metering;

import static org.assertj.core.api.Assertions.assertThat;

import io.slipway.store.Database;
import io.slipway.testing.TestClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tool meter against a real SQLite store. */
class ToolMeterTest {
    static final Instant NOW = Instant.parse("2026-11-30T23:59:00Z");
    @TempDir
    Path dir;
    Database database;
    ToolUsageStore store;
    TestClock clock = new TestClock(NOW);

    @BeforeEach
    void open() {
        database = Database.openSqlite(dir.resolve("test.db"));
        store = new ToolUsageStore(database);
    }

    @AfterEach
    void close() {
        database.close();
    }

    @Test
    void callsErrorsAndTimeAreLiveThenStoredAndAFailedWriteIsKept() {
        ToolMeter meter = new ToolMeter(store, clock, ToolMeter.Listener.NONE);
        String counted = meter.call("app", "alice", "add", 0);
        meter.finished("app", counted, false, 3_000_000);
        meter.finished("app", meter.call("app", "alice", "add", 0), true, 1_000_000);

        assertThat(meter.unwritten("app")).containsExactly(Map.entry("add", new ToolStats(2, 1, 4000)));
        meter.flush();
        assertThat(meter.unwritten("app")).isEmpty();
        assertThat(store.forOwner("alice", "2026-11")).containsExactly(Map.entry("app", Map.of("add", new ToolStats(2, 1, 4000))));

        meter.call("app", "alice", "add", 0);
        database.close();
        meter.flush();
        assertThat(meter.unwritten("app")).as("kept for the next flush").containsExactly(Map.entry("add", new ToolStats(1, 0, 0)));
        database = Database.openSqlite(dir.resolve("test.db"));
    }

    @Test
    void thePlansCapRefusesCallsPastItAcrossTheOwnersAppsUntilTheNextMonth() {
        store.add("old", "alice", NOW, Map.of("add", new ToolStats(1, 0, 0)));
        ToolMeter meter = new ToolMeter(store, clock, ToolMeter.Listener.NONE);

        assertThat(meter.call("a", "alice", "add", 3)).isEqualTo("add");
        assertThat(meter.call("b", "alice", "add", 3)).isEqualTo("add");
        assertThat(meter.call("a", "alice", "add", 3)).as("the stored call counts").isNull();
        assertThat(meter.call("c", "bob", "add", 3)).as("another owner's calls are theirs").isEqualTo("add");
        assertThat(meter.callsThisMonth("alice")).isEqualTo(3);
        assertThat(meter.unwritten("a")).containsExactly(Map.entry("add", new ToolStats(1, 0, 0)));

        clock.advance(Duration.ofMinutes(2));
        assertThat(meter.call("a", "alice", "add", 3)).as("a new month").isEqualTo("add");
        assertThat(meter.callsThisMonth("alice")).isEqualTo(1);
    }

    @Test
    void aFloodOfDistinctNamesKeepsAtMostTheBoundPerAppStoredNamesIncluded() {
        store.add("app", "alice", NOW, Map.of("stored", new ToolStats(1, 0, 0)));
        ToolMeter meter = new ToolMeter(store, clock, ToolMeter.Listener.NONE);
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < 1000; i++) meter.call("app", "alice", "random-" + round + "-" + i, 0);
            assertThat(meter.unwritten("app")).hasSizeLessThanOrEqualTo(ToolMeter.MAX_TOOLS + 1);
            meter.flush();
        }
        meter.call("app", "alice", "stored", 0);
        meter.flush();

        Map<String, ToolStats> stored = store.forOwner("alice", "2026-11").get("app");
        assertThat(stored).hasSize(ToolMeter.MAX_TOOLS + 1).containsKey(ToolMeter.OTHER);
        assertThat(stored.get("stored").calls()).as("a known name is never folded").isEqualTo(2);
        assertThat(stored.get(ToolMeter.OTHER).calls()).isEqualTo(3000 - (ToolMeter.MAX_TOOLS - 1));
        assertThat(stored.values().stream().mapToLong(ToolStats::calls).sum()).isEqualTo(3002);

        ToolMeter restarted = new ToolMeter(store, clock, ToolMeter.Listener.NONE);
        assertThat(restarted.call("app", "alice", "yet-another", 0)).as("after a restart too").isEqualTo(ToolMeter.OTHER);
    }
}
