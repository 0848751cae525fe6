package io.slipway.instances;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.slipway.app.AppStatus;
import io.slipway.testing.FakeSandbox;
import io.slipway.testing.FakeSandboxRuntime;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A redeploy's new version on the {@link FakeSandboxRuntime} ({@link Instances#startBeside}, {@link NewVersion}): started
 * beside the version serving, which nothing changes until the switch; after it, new requests go to the new version,
 * exchanges open on the old one finish there, and the old one stops once they have (or at the drain timeout).
 */
class NewVersionTest {
    private static final Duration WITHIN = Duration.ofSeconds(5);

    @TempDir
    Path dir;
    private FakeInstances fake;
    private FakeSandboxRuntime runtime;
    private Instances instances;

    @BeforeEach
    void start() {
        fake = new FakeInstances(dir, 4, Duration.ofSeconds(5), "app");
        runtime = fake.runtime;
        instances = fake.instances;
    }

    @AfterEach
    void stop() {
        fake.close();
    }

    @Test
    void aNewVersionThatCannotStartFailsWithItsReasonAndTheVersionServingIsUntouched() throws Exception {
        Lease first = instances.acquire("app").get(5, TimeUnit.SECONDS);
        FakeSandbox serving = runtime.sandbox("app").orElseThrow();
        first.release();
        int reportedBefore = fake.statusesOf("app").size();

        assertThatThrownBy(() -> instances.startBeside(fake.app("app", "crash.js", Map.of())))
                .isInstanceOfSatisfying(InstanceUnavailableException.class, e -> {
                    assertThat(e.slug()).isEqualTo("app-failed");
                    assertThat(e.getMessage()).contains("exited with code 3");
                });

        assertThat(serving.isAlive()).isTrue();
        assertThat(runtime.running("app")).as("the failed version's sandbox is gone").isEqualTo(1);
        Lease next = instances.acquire("app").get(5, TimeUnit.SECONDS);
        assertThat(next.address()).as("still the version serving").isEqualTo(serving.address());
        next.release();
        assertThat(fake.statusesOf("app")).as("nothing reported: the app never stopped running").hasSize(reportedBefore);
        assertThat(instances.liveStatus("app")).contains(AppStatus.RUNNING);
        assertThat(fake.log("app")).contains("the new version did not start, the version serving goes on");
    }

    @Test
    void afterTheSwitchNewRequestsGoToTheNewVersionAndTheOldOneStopsOnceItsExchangesEnded() throws Exception {
        Lease onOld = instances.acquire("app").get(5, TimeUnit.SECONDS);
        FakeSandbox old = runtime.sandbox("app").orElseThrow();

        NewVersion next = instances.startBeside(fake.app("app", "env.js", Map.of("VERSION", "2")));
        assertThat(runtime.running("app")).as("both, side by side").isEqualTo(2);
        Lease beforeSwitch = instances.acquire("app").get(5, TimeUnit.SECONDS);
        assertThat(beforeSwitch.address()).as("until the switch, the old version serves").isEqualTo(old.address());
        beforeSwitch.release();

        CompletableFuture<Void> oldStopped = next.promote();

        FakeSandbox fresh = runtime.sandbox("app").orElseThrow();
        Lease afterSwitch = instances.acquire("app").get(5, TimeUnit.SECONDS);
        assertThat(afterSwitch.address()).isEqualTo(fresh.address()).isNotEqualTo(old.address());
        assertThat(instances.app("app").orElseThrow().env()).containsEntry("VERSION", "2");
        afterSwitch.release();
        await().during(Duration.ofMillis(300)).atMost(WITHIN).until(() -> old.isAlive() && !oldStopped.isDone());

        onOld.release();

        assertThat(oldStopped).succeedsWithin(WITHIN);
        assertThat(old.isAlive()).isFalse();
        assertThat(fresh.isAlive()).isTrue();
        assertThat(runtime.starts("app")).isEqualTo(2);
        assertThat(instances.liveStatus("app")).contains(AppStatus.RUNNING);
        assertThat(fake.log("app")).contains("switched to the new version", "the version replaced stopped");
    }

    @Test
    void aStreamStillOpenOnTheOldVersionAtTheDrainTimeoutIsEndedAsAtSleepAndTheOldVersionStops() throws Exception {
        Lease stream = instances.acquire("app").get(5, TimeUnit.SECONDS);
        stream.answered();
        AtomicBoolean toldToEnd = new AtomicBoolean();
        stream.onSleep(() -> {
            toldToEnd.set(true);
            stream.release();
            return CompletableFuture.completedFuture(null);
        });
        FakeSandbox old = runtime.sandbox("app").orElseThrow();

        long t0 = System.nanoTime();
        CompletableFuture<Void> oldStopped = instances.startBeside(fake.app("app", "env.js", Map.of())).promote();

        assertThat(oldStopped).succeedsWithin(FakeInstances.DRAIN_TIMEOUT.plus(WITHIN));
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("not before the drain timeout").isGreaterThanOrEqualTo(FakeInstances.DRAIN_TIMEOUT);
        assertThat(toldToEnd).as("the stream's client was told, so that it reconnects").isTrue();
        assertThat(old.isAlive()).isFalse();
        assertThat(fake.log("app")).contains("still has 1 exchanges open");
    }

    @Test
    void aNewVersionOfASleepingAppServesFromTheSwitchAndTakesTheSlotItStartedIn() throws Exception {
        CompletableFuture<Void> nothingReplaced = instances.startBeside(fake.app("app", "env.js", Map.of("VERSION", "2"))).promote();

        assertThat(nothingReplaced).isDone();
        assertThat(runtime.running("app")).isEqualTo(1);
        Lease lease = instances.acquire("app").get(5, TimeUnit.SECONDS);
        assertThat(lease.address()).isEqualTo(runtime.sandbox("app").orElseThrow().address());
        lease.release();
        assertThat(runtime.starts("app")).as("the request found it running").isEqualTo(1);
        assertThat(fake.statusesOf("app")).endsWith(AppStatus.RUNNING);
    }

    @Test
    void aDiscardedNewVersionStopsAndFreesItsSlot() throws Exception {
        fake.close();
        fake = new FakeInstances(dir.resolve("one"), 1, Duration.ofSeconds(5), "app");
        runtime = fake.runtime;
        instances = fake.instances;

        NewVersion next = instances.startBeside(fake.app("app", "env.js", Map.of()));
        next.discard();

        assertThat(runtime.running("app")).isZero();
        Lease lease = instances.acquire("app").get(5, TimeUnit.SECONDS);
        assertThat(runtime.running("app")).as("its slot was free for the app's own start").isEqualTo(1);
        lease.release();
    }
}
