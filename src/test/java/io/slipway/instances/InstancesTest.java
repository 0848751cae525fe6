package io.slipway.instances;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.slipway.app.AppStatus;
import io.slipway.testing.FakeSandboxRuntime;
import io.slipway.testing.TestClock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lifecycle of {@link Instances} on the {@link FakeSandboxRuntime}, with a clock the test moves: no root, no node,
 * seconds in all. What the lifecycle relies on of a runtime, the fake keeps as the real ones do (the runtime contract).
 */
class InstancesTest {
    private static final Duration SLEEP_AFTER = FakeInstances.SLEEP_AFTER;
    private static final Duration WITHIN = Duration.ofSeconds(5);

    @TempDir
    Path dir;
    private FakeInstances fake;
    private TestClock clock;
    private FakeSandboxRuntime runtime;
    private Instances instances;

    @AfterEach
    void stop() {
        if (fake != null) fake.close();
    }

    @Test
    void fiftyConcurrentAcquiresOfASleepingAppStartItOnce() throws Exception {
        start(8, "sleeper");
        List<CompletableFuture<Lease>> leases = new CopyOnWriteArrayList<>();
        try (FakeSandboxRuntime.Hold hold = runtime.holdStarts(); var threads = Executors.newVirtualThreadPerTaskExecutor()) {
            CountDownLatch go = new CountDownLatch(1);
            for (int i = 0; i < 50; i++) {
                threads.execute(() -> {
                    awaitQuietly(go);
                    leases.add(instances.acquire("sleeper"));
                });
            }
            go.countDown();
            await().atMost(WITHIN).until(() -> leases.size() == 50 && runtime.starts("sleeper") == 1);
            assertThat(leases).as("every request waits for the start").noneMatch(CompletableFuture::isDone);
        }

        CompletableFuture.allOf(leases.toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS);

        assertThat(runtime.starts("sleeper")).isEqualTo(1);
        assertThat(leases.stream().map(l -> l.join().address()).distinct()).as("one sandbox for all").hasSize(1);
        leases.forEach(l -> l.join().release());
        assertThat(statusesOf("sleeper")).containsExactly(AppStatus.STARTING, AppStatus.RUNNING);
    }

    @Test
    void anAppIdlePastItsSleepAfterIsPutToSleepAndItsNextRequestWakesIt() throws Exception {
        start(8, "idler");
        instances.acquire("idler").get(5, TimeUnit.SECONDS).release();

        clock.advance(SLEEP_AFTER.minusSeconds(1));
        await().during(Duration.ofMillis(200)).atMost(WITHIN).until(() -> runtime.isRunning("idler"));
        clock.advance(Duration.ofSeconds(1));

        await().atMost(WITHIN).until(() -> !runtime.isRunning("idler") && statusesOf("idler").contains(AppStatus.SLEEPING));
        assertThat(runtime.sandbox("idler").orElseThrow().exited().join().exitCode()).as("SIGTERM").isEqualTo(143);
        instances.acquire("idler").get(5, TimeUnit.SECONDS).release();
        assertThat(runtime.starts("idler")).isEqualTo(2);
    }

    @Test
    void aCrashIsReportedWithItsExitAndTheNextAcquireRestartsItAfterTheBackOff() throws Exception {
        start(8, "crasher");
        instances.acquire("crasher").get(5, TimeUnit.SECONDS).release();

        runtime.sandbox("crasher").orElseThrow().crash(3);

        await().atMost(WITHIN).until(() -> lastOf("crasher").status() == AppStatus.FAILED);
        assertThat(lastOf("crasher").error()).contains("exited with code 3");
        instances.acquire("crasher").get(5, TimeUnit.SECONDS).release();
        assertThat(runtime.starts("crasher")).as("the first crash is restarted at once").isEqualTo(2);

        runtime.sandbox("crasher").orElseThrow().crash(3);
        await().atMost(WITHIN).until(() -> lastOf("crasher").status() == AppStatus.FAILED);
        CompletableFuture<Lease> tooSoon = instances.acquire("crasher");
        assertThat(tooSoon).failsWithin(WITHIN).withThrowableThat().havingCause().isInstanceOfSatisfying(InstanceUnavailableException.class, e -> {
            assertThat(e.slug()).isEqualTo("app-failed");
            assertThat(e.getMessage()).contains("exited with code 3");
            assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(1));
        });
        assertThat(runtime.starts("crasher")).as("no start within the back-off").isEqualTo(2);

        clock.advance(Duration.ofSeconds(1));
        instances.acquire("crasher").get(5, TimeUnit.SECONDS).release();
        assertThat(runtime.starts("crasher")).isEqualTo(3);
    }

    @Test
    void atTheCapTheLeastRecentlyUsedIdleInstanceIsPutToSleepToMakeRoom() throws Exception {
        start(2, "first", "second", "third");
        instances.acquire("first").get(5, TimeUnit.SECONDS).release();
        clock.advance(Duration.ofSeconds(1));
        instances.acquire("second").get(5, TimeUnit.SECONDS).release();
        clock.advance(Duration.ofSeconds(1));

        instances.acquire("third").get(5, TimeUnit.SECONDS).release();

        assertThat(runtime.isRunning("first")).as("the least recently used").isFalse();
        assertThat(statusesOf("first")).endsWith(AppStatus.SLEEPING);
        assertThat(runtime.isRunning("second")).isTrue();
        assertThat(runtime.isRunning("third")).isTrue();
    }

    @Test
    void atTheCapWithEveryInstanceBusyAStartFailsForCapacity() throws Exception {
        start(1, "busy", "waiting");
        Lease busy = instances.acquire("busy").get(5, TimeUnit.SECONDS);

        assertThat(instances.acquire("waiting")).failsWithin(WITHIN).withThrowableThat().havingCause()
                .isInstanceOfSatisfying(InstanceUnavailableException.class, e -> assertThat(e.slug()).isEqualTo("capacity"));

        assertThat(runtime.isRunning("busy")).isTrue();
        assertThat(runtime.starts("waiting")).isZero();
        busy.release();
    }

    /** A fake runtime and instances with a cap of {@code maxRunning}, idle checks every 10 ms, and these apps asleep. */
    private void start(int maxRunning, String... appIds) {
        fake = new FakeInstances(dir, maxRunning, Duration.ofSeconds(5), appIds);
        clock = fake.clock;
        runtime = fake.runtime;
        instances = fake.instances;
    }

    private List<AppStatus> statusesOf(String appId) {
        return fake.statusesOf(appId);
    }

    private FakeInstances.Reported lastOf(String appId) {
        return fake.lastOf(appId);
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
