package io.slipway.instances;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.slipway.app.App;
import io.slipway.app.AppStatus;
import io.slipway.app.Language;
import io.slipway.config.DataSize;
import io.slipway.config.SlipwayConfig.InstanceSettings;
import io.slipway.runtime.Artifact;
import io.slipway.runtime.Layer;
import io.slipway.runtime.NetworkPolicy;
import io.slipway.runtime.SandboxLimits;
import io.slipway.runtime.SandboxSpec;
import io.slipway.testing.FakeSandboxRuntime;
import io.slipway.testing.RecordingLogSink;
import io.slipway.testing.TestClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
    private static final Duration SLEEP_AFTER = Duration.ofMinutes(10);
    private static final Duration WITHIN = Duration.ofSeconds(5);

    /** One status the lifecycle reported. */
    record Reported(String appId, AppStatus status, String error) {
    }

    @TempDir
    Path dir;
    private final TestClock clock = new TestClock(Instant.parse("2026-12-01T10:00:00Z"));
    private final List<Reported> reported = new CopyOnWriteArrayList<>();
    private FakeSandboxRuntime runtime;
    private Instances instances;

    @AfterEach
    void stop() {
        if (instances != null) instances.close();
        if (runtime != null) runtime.close();
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
        runtime = new FakeSandboxRuntime(dir);
        var settings = new InstanceSettings(Duration.ofSeconds(5), Duration.ofSeconds(1), 100, Duration.ofSeconds(10), maxRunning,
                Duration.ofMillis(10), Duration.ofSeconds(30));
        instances = new Instances(runtime, settings, clock, (id, status, error, lastActive) -> reported.add(new Reported(id, status, error)),
                InstancesTest::spec, id -> new io.slipway.logs.AppLogs(dir.resolve("logs"), 1 << 20).of(id), (app, at, used) -> { }, Duration.ofHours(1));
        for (String id : appIds) instances.register(app(id));
    }

    private App app(String id) {
        Instant created = clock.instant();
        return new App(id, "alice", id, Language.NODE, "env.js", List.of(), SLEEP_AFTER, Map.of(), AppStatus.READY, null, "0".repeat(64),
                null, false, false, "free", created, created, null);
    }

    private static SandboxSpec spec(App app) {
        Artifact artifact = new Artifact(app.language(), app.entryFile(), Layer.of(Layer.Kind.CODE, app.codeHash()), Optional.empty());
        return new SandboxSpec(app.id(), artifact, app.env(), new SandboxLimits(DataSize.ofMebibytes(256), 64, 1.0), NetworkPolicy.ISOLATED,
                Map.of(), new RecordingLogSink());
    }

    private List<AppStatus> statusesOf(String appId) {
        List<AppStatus> statuses = new ArrayList<>();
        for (Reported r : reported) if (r.appId().equals(appId)) statuses.add(r.status());
        return statuses;
    }

    private Reported lastOf(String appId) {
        return reported.stream().filter(r -> r.appId().equals(appId)).reduce((a, b) -> b).orElse(new Reported(appId, null, null));
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
