package io.slipway.instances;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.slipway.app.AppStatus;
import io.slipway.runtime.SandboxExit;
import io.slipway.testing.FakeSandbox;
import io.slipway.testing.SandboxClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An app restarted under Slipway by its runtime, the sandbox staying (a pod's container, by its kubelet), on the
 * {@link io.slipway.testing.FakeSandboxRuntime}: the instance neither routes to the new process before it answers nor
 * takes it for dead.
 */
class RestartUnderSlipwayTest {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration WITHIN = Duration.ofSeconds(5);
    private static final String APP = "restarted";

    @TempDir
    Path dir;
    private FakeInstances fake;

    @AfterEach
    void stop() {
        if (fake != null) fake.close();
    }

    @Test
    void requestsDuringARestartWaitForTheNewProcessAndThenReachIt() throws Exception {
        FakeSandbox sandbox = running();
        Lease open = fake.instances.acquire(APP).get(5, TimeUnit.SECONDS);
        AtomicBoolean toldGone = new AtomicBoolean();
        open.onGone(() -> toldGone.set(true));

        sandbox.restart(new SandboxExit(1), Duration.ofSeconds(1));
        await().atMost(WITHIN).until(() -> fake.lastOf(APP).status() == AppStatus.STARTING);
        CompletableFuture<Lease> held = fake.instances.acquire(APP);
        CompletableFuture<Boolean> listeningWhenLeased = held.thenApply(lease -> {
            boolean listening = sandbox.isListening();
            lease.release();
            return listening;
        });

        assertThat(held).as("held while the new process does not answer").isNotDone();
        assertThat(toldGone).as("the exchange open on the old process is told it is gone").isTrue();
        assertThat(open.gone()).isCompleted();
        assertThat(listeningWhenLeased.get(5, TimeUnit.SECONDS)).as("leased only once the new process answers").isTrue();
        open.release();
        Lease next = fake.instances.acquire(APP).get(5, TimeUnit.SECONDS);
        assertThat(next.address()).as("the same sandbox, at the same address").isEqualTo(sandbox.address());
        assertThat(SandboxClient.get(next.address(), "/").statusCode()).isEqualTo(200);
        next.release();
        assertThat(fake.runtime.starts(APP)).as("no new sandbox").isEqualTo(1);
        assertThat(sandbox.isAlive()).isTrue();
        assertThat(fake.statusesOf(APP)).containsExactly(AppStatus.STARTING, AppStatus.RUNNING, AppStatus.STARTING, AppStatus.RUNNING);
    }

    @Test
    void theAppsLogSaysItWasRestartedUnderSlipwayAndWhenItWasReadyAgain() throws Exception {
        FakeSandbox sandbox = running();

        sandbox.restart(new SandboxExit(1), Duration.ofMillis(100));
        sandbox.restart(new SandboxExit(137), Duration.ofMillis(100));

        await().atMost(WITHIN).untilAsserted(() -> assertThat(fake.log(APP))
                .contains("[slipway] restarted under Slipway (restart 1): the app exited with code 1; requests are held, waiting for it to answer HTTP on $PORT again")
                .contains("[slipway] restarted under Slipway (restart 2): the app was killed by signal 9 (exit code 137)")
                .containsPattern("\\[slipway\\] ready again in \\d+ ms on "));
        fake.instances.acquire(APP).get(5, TimeUnit.SECONDS).release();
        assertThat(fake.lastOf(APP).status()).isEqualTo(AppStatus.RUNNING);
    }

    @Test
    void aRestartThatIsNeverReadyFailsLikeAFailedStartAndItsSandboxIsStopped() throws Exception {
        FakeSandbox sandbox = running(Duration.ofSeconds(1));

        sandbox.restart(new SandboxExit(1), Duration.ofMinutes(10));
        await().atMost(WITHIN).until(() -> fake.lastOf(APP).status() == AppStatus.STARTING);
        CompletableFuture<Lease> waiting = fake.instances.acquire(APP);

        assertThat(waiting).failsWithin(WITHIN).withThrowableThat().havingCause().isInstanceOfSatisfying(InstanceUnavailableException.class, e -> {
            assertThat(e.slug()).isEqualTo("app-failed");
            assertThat(e.getMessage()).isEqualTo("after its restart under Slipway (restart 1), the app did not answer HTTP on $PORT within 1 s");
        });
        assertThat(fake.lastOf(APP).status()).isEqualTo(AppStatus.FAILED);
        assertThat(fake.lastOf(APP).error()).startsWith("after its restart under Slipway (restart 1)");
        assertThat(sandbox.exited()).as("the sandbox was stopped").isDone();
        assertThat(fake.runtime.isRunning(APP)).isFalse();
        assertThat(fake.log(APP)).contains("[slipway] start failed: after its restart under Slipway (restart 1)");
        fake.instances.acquire(APP).get(5, TimeUnit.SECONDS).release();
        assertThat(fake.runtime.starts(APP)).as("the next request starts a new sandbox, as after a crash").isEqualTo(2);
    }

    @Test
    void aSandboxThatEndsWhileItsRestartedAppIsNotReadyFailsTheRequestsThatWaitWithItsExit() throws Exception {
        FakeSandbox sandbox = running();
        sandbox.restart(new SandboxExit(1), Duration.ofMinutes(10));
        await().atMost(WITHIN).until(() -> fake.lastOf(APP).status() == AppStatus.STARTING);
        CompletableFuture<Lease> waiting = fake.instances.acquire(APP);

        sandbox.crash(2);

        assertThat(waiting).failsWithin(WITHIN).withThrowableThat().havingCause().isInstanceOfSatisfying(InstanceUnavailableException.class,
                e -> assertThat(e.getMessage()).isEqualTo("the app exited with code 2 while running"));
        assertThat(fake.lastOf(APP)).isEqualTo(new FakeInstances.Reported(APP, AppStatus.FAILED, "the app exited with code 2 while running"));
    }

    @Test
    void aRestartDoesNotResetTheAppsMeteringSinceItsSandboxRunsOn() throws Exception {
        FakeSandbox sandbox = running();
        fake.clock.advance(Duration.ofSeconds(30));

        sandbox.restart(new SandboxExit(1), Duration.ofSeconds(1));
        await().atMost(WITHIN).until(() -> fake.lastOf(APP).status() == AppStatus.STARTING);
        fake.clock.advance(Duration.ofSeconds(20));
        assertThat(fake.instances.liveStatus(APP)).as("the clock moved while the app was not ready").contains(AppStatus.STARTING);
        fake.instances.acquire(APP).get(5, TimeUnit.SECONDS).release();
        fake.clock.advance(Duration.ofSeconds(10));

        var usage = fake.instances.unwrittenUsage(APP);
        assertThat(usage.activeMillis()).as("active from the first start on, through the restart").isEqualTo(60_000);
        assertThat(usage.requests()).isEqualTo(2);
    }

    /** The app, started by a first request and running on its sandbox. */
    private FakeSandbox running() throws Exception {
        return running(START_TIMEOUT);
    }

    /** @param startTimeout what a start, and a restart, have to be ready */
    private FakeSandbox running(Duration startTimeout) throws Exception {
        fake = new FakeInstances(dir, 8, startTimeout, APP);
        fake.instances.acquire(APP).get(5, TimeUnit.SECONDS).release();
        assertThat(fake.runtime.capabilities().restartsUnderSlipway()).isTrue();
        return fake.runtime.sandbox(APP).orElseThrow();
    }
}
