package io.slipway.logs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The kernel, not a timer, wakes a follower: for a change to its own log, its rotation and its removal only. */
class LogWatchTest {
    private static final long WAIT = 10_000;

    @TempDir
    Path dir;

    @Test
    void aSubscriberIsWokenByAnAppendToItsLogAndNotByAnotherLog() throws Exception {
        Path mine = Files.writeString(dir.resolve("app1.log"), "");
        Path other = Files.writeString(dir.resolve("app2.log"), "");
        try (LogWatch watch = LogWatch.start(dir); LogWatch.Subscription changes = watch.subscribe(mine)) {
            Files.writeString(other, "a line of another app\n", StandardOpenOption.APPEND);
            assertThat(changes.await(300)).as("another log's change").isFalse();

            LogFiles.event(mine, "starting");
            assertThat(changes.await(WAIT)).as("its own log's change").isTrue();
        }
    }

    @Test
    void rotationAndRemovalWakeTheSubscriber() throws Exception {
        Path log = Files.writeString(dir.resolve("app1.log"), "old\n");
        try (LogWatch watch = LogWatch.start(dir); LogWatch.Subscription changes = watch.subscribe(log)) {
            assertThat(LogFiles.rotate(log)).isTrue();
            assertThat(changes.await(WAIT)).as("rotated").isTrue();
            changes.await(200); // the rotation's later steps, if reported apart

            Files.delete(log);
            assertThat(changes.await(WAIT)).as("deleted").isTrue();
        }
    }

    @Test
    void wakeEndsAWaitAtOnceAndAClosedSubscriptionIsNotWokenByChanges() throws Exception {
        Path log = Files.writeString(dir.resolve("app1.log"), "");
        try (LogWatch watch = LogWatch.start(dir)) {
            LogWatch.Subscription changes = watch.subscribe(log);
            changes.wake();
            assertThat(changes.await(WAIT)).isTrue();
            changes.close();
            LogFiles.event(log, "after close");
            assertThat(changes.await(300)).isFalse();
        }
    }
}
