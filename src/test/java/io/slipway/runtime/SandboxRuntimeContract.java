package io.slipway.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.slipway.config.DataSize;
import io.slipway.logs.LogSource;
import io.slipway.testing.RecordingLogSink;
import io.slipway.testing.SandboxClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract every {@link SandboxRuntime} keeps, as one abstract suite in the manner of Spring Cloud Deployer's
 * deployer integration tests: each runtime's test subclasses it, supplies a runtime over a data dir
 * ({@link #newRuntime}) and the artifact of each {@link ContractApp} ({@link #artifact}), and inherits every test. Each
 * test gets a data dir and a runtime of its own; after it, every sandbox it started is stopped, the runtime is closed
 * and asked to show nothing left ({@link #assertNoLeftovers}). Waits are Awaitility's, each with a deadline.
 *
 * <p>The real runtimes run the node scripts of {@code src/test/resources/apps} ({@link ContractApp#nodeScript}); the fake
 * runtime ({@link io.slipway.testing.FakeSandboxRuntime}) simulates each app in the JVM, chosen by its entry's name. <b>For the fake, limits and the network policy are
 * simulated</b>: its hog "allocates" against the limit and its probe reports what the policy allows, not what a kernel
 * let through. On the fake these tests check the model of the contract that the lifecycle tests rely on, and nothing
 * of isolation. This is the lifecycle part, which every runtime keeps; {@link IsolationContract} adds limits and the
 * network policy, which every runtime that isolates keeps (all but the unsandboxed process runtime).
 */
public abstract class SandboxRuntimeContract {
    /** What most tests run with: room for node, and a pids limit a fork bomb meets quickly. */
    protected static final SandboxLimits LIMITS = new SandboxLimits(DataSize.ofMebibytes(256), 64, 1.0);
    protected static final Duration START = Duration.ofSeconds(20);

    /** A sandbox a test started, with what it was started from and its log. */
    protected record Started(String appId, Sandbox sandbox, RecordingLogSink log) {
        /** The lines the app wrote, so far. */
        List<String> appLines() {
            return log.of(LogSource.APP);
        }
    }

    @TempDir
    protected Path dataDir;
    protected SandboxRuntime runtime;
    private final List<Sandbox> started = new ArrayList<>();

    /** A new runtime over {@code dataDir}: one before every test, and a second over the same dir in adopt-or-reap. */
    protected abstract SandboxRuntime newRuntime(Path dataDir);

    /**
     * An artifact that runs {@code app} as the app {@code appId}, its layers put where this runtime reads them: a real
     * runtime's is {@link ContractApp#nodeScript}, the fake's names the behaviour by the entry alone.
     */
    protected abstract Artifact artifact(Path dataDir, String appId, ContractApp app);

    /** Fails if anything a test started is still alive on the host after it was stopped and the runtime closed. */
    protected void assertNoLeftovers(Path dataDir) {
    }

    /**
     * Restarts the app of {@code sandbox} behind Slipway's back, as its engine or orchestrator may (a kubelet restarting
     * a pod's container, an operator's {@code docker restart}), and returns true once the restart was asked for. The
     * default, false, does nothing: this runtime has no such thing (a process that ends is its sandbox's end).
     */
    protected boolean restartBehindSlipway(Sandbox sandbox) {
        return false;
    }

    @BeforeEach
    void startRuntime() {
        runtime = newRuntime(dataDir);
    }

    @AfterEach
    void cleanUp() {
        try {
            RuntimeException failed = null;
            for (Sandbox sandbox : started) {
                try {
                    sandbox.stop(Duration.ZERO);
                } catch (RuntimeException e) { // the others are stopped all the same
                    if (failed == null) failed = e; else failed.addSuppressed(e);
                }
            }
            if (failed != null) throw failed;
            assertThat(started).allSatisfy(s -> assertThat(s.exited()).as("the sandbox of %s after its stop", s.appId()).isDone());
        } finally {
            started.clear();
            if (runtime != null) runtime.close();
        }
        assertNoLeftovers(dataDir);
    }

    protected Started start(ContractApp app) {
        return start(app, NetworkPolicy.ISOLATED, LIMITS, Map.of());
    }

    protected Started start(ContractApp app, NetworkPolicy network, SandboxLimits limits, Map<String, String> env) {
        String appId = "c" + Long.toHexString(ThreadLocalRandom.current().nextLong(1L << 40, 1L << 44));
        return start(appId, app, network, limits, env);
    }

    /** A sandbox of the app {@code appId}, which may have others already (a redeploy's new version beside the old). */
    protected Started start(String appId, ContractApp app, NetworkPolicy network, SandboxLimits limits, Map<String, String> env) {
        RecordingLogSink log = new RecordingLogSink();
        SandboxSpec spec = new SandboxSpec(appId, artifact(dataDir, appId, app), env, limits, network,
                Map.of("io.slipway.test", getClass().getSimpleName()), log);
        Sandbox sandbox = runtime.start(spec);
        started.add(sandbox);
        return new Started(appId, sandbox, log);
    }

    /** Dials every target from inside the probe's sandbox, all at once; one result each: {@code {host, port, ok, code}}. */
    protected static List<JsonObject> dial(Sandbox probe, List<InetSocketAddress> targets) {
        JsonArray body = new JsonArray();
        targets.forEach(t -> body.add(new JsonObject().put("host", t.getHostString()).put("port", t.getPort())));
        var response = SandboxClient.post(probe.address(), "/dial", body.encode());
        assertThat(response.statusCode()).as("the probe's dial: %s", response.body()).isEqualTo(200);
        return new JsonObject(response.body()).getJsonArray("results").stream().map(JsonObject.class::cast).toList();
    }

    protected static SandboxExit exitOf(Sandbox sandbox, Duration within) {
        await("the exit of " + sandbox.appId()).atMost(within).until(() -> sandbox.exited().isDone());
        return sandbox.exited().join();
    }

    @Test
    void theAppAnswersOnItsPortWithTheDocumentedEnvironmentAndItsOwn() {
        Started app = start(ContractApp.ENV, NetworkPolicy.ISOLATED, LIMITS, Map.of("GREETING", "hello from the contract"));

        var answer = SandboxClient.awaitAnswer(app.sandbox(), "/", START);

        assertThat(answer.statusCode()).isEqualTo(200);
        JsonObject env = new JsonObject(answer.body()).getJsonObject("env");
        assertThat(env.getString("PORT")).as("PORT").matches("[1-9][0-9]{0,4}");
        assertThat(env.getString("HOST")).as("HOST: where to listen").isIn("0.0.0.0", "::", "127.0.0.1", "::1");
        assertThat(env.getString("NODE_ENV")).isEqualTo("production");
        assertThat(env.getString("GREETING")).as("the app's own variable").isEqualTo("hello from the contract");
        assertThat(app.sandbox().appId()).isEqualTo(app.appId());
        assertThat(app.sandbox().exited()).isNotDone();
    }

    @Test
    void twoSandboxesOfOneAppRunAtOnceEachFromItsOwnArtifactAndStoppingOneLeavesTheOther() {
        Started old = start(ContractApp.ENV, NetworkPolicy.ISOLATED, LIMITS, Map.of("VERSION", "1"));
        SandboxClient.awaitAnswer(old.sandbox(), "/", START);

        Started next = start(old.appId(), ContractApp.PROBE, NetworkPolicy.ISOLATED, LIMITS, Map.of("VERSION", "2"));
        var nextAnswer = SandboxClient.awaitAnswer(next.sandbox(), "/env", START);
        var oldAnswer = SandboxClient.awaitAnswer(old.sandbox(), "/", START);

        assertThat(new JsonObject(oldAnswer.body()).getJsonObject("env").getString("VERSION")).as("the old sandbox, still its own").isEqualTo("1");
        assertThat(new JsonObject(nextAnswer.body()).getJsonObject("env").getString("VERSION")).as("the new one, beside it").isEqualTo("2");
        assertThat(next.sandbox().address()).as("each has an address of its own").isNotEqualTo(old.sandbox().address());

        old.sandbox().stop(Duration.ofSeconds(5));

        assertThat(next.sandbox().exited()).as("the new sandbox outlives the old one's stop").isNotDone();
        var after = SandboxClient.awaitAnswer(next.sandbox(), "/env", START);
        assertThat(new JsonObject(after.body()).getJsonObject("env").getString("VERSION")).isEqualTo("2");
    }

    @Test
    void stopSendsSigtermAndAnAppThatExitsOnItStopsCleanlyBeforeTheGraceEnds() {
        Started app = start(ContractApp.GRACEFUL);
        SandboxClient.awaitAnswer(app.sandbox(), "/", START);

        long t0 = System.nanoTime();
        SandboxExit exit = app.sandbox().stop(Duration.ofSeconds(20));
        Duration took = Duration.ofNanos(System.nanoTime() - t0);

        assertThat(exit.exitCode()).as("a clean exit: %s", exit).isZero();
        assertThat(exit.outOfMemory()).isFalse();
        assertThat(took).as("long before the grace ends").isLessThan(Duration.ofSeconds(5));
        assertThat(app.sandbox().exited()).as("stop returns once the sandbox has exited").isCompletedWithValue(exit);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(app.appLines()).contains("SIGTERM received, shutting down"));
    }

    @Test
    void stopKillsAnAppThatIgnoresSigtermWhenTheGraceEnds() {
        Started app = start(ContractApp.STUBBORN);
        SandboxClient.awaitAnswer(app.sandbox(), "/", START);
        Duration grace = Duration.ofSeconds(1);

        long t0 = System.nanoTime();
        SandboxExit exit = app.sandbox().stop(grace);
        Duration took = Duration.ofNanos(System.nanoTime() - t0);

        assertThat(exit.exitCode()).as("killed by SIGKILL: %s", exit).isEqualTo(137);
        assertThat(took).as("the grace, and not much more").isGreaterThanOrEqualTo(grace).isLessThan(grace.plusSeconds(5));
        assertThat(app.sandbox().exited()).isCompletedWithValue(exit);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(app.appLines()).contains("SIGTERM received, ignoring it"));
    }

    @Test
    void stopBlocksUntilTheSandboxExitedAndASecondStopReturnsAtOnce() {
        Started app = start(ContractApp.ENV);
        SandboxClient.awaitAnswer(app.sandbox(), "/", START);

        SandboxExit first = app.sandbox().stop(Duration.ofSeconds(10));
        assertThat(app.sandbox().exited()).isCompletedWithValue(first);
        long t0 = System.nanoTime();
        SandboxExit second = app.sandbox().stop(Duration.ofSeconds(10));

        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(500));
        assertThat(second).isEqualTo(first);
    }

    @Test
    void anExitIsObservedWithItsCodeAndTheLogHoldsTheAppsLastLines() {
        Started app = start(ContractApp.CRASH);

        SandboxExit exit = exitOf(app.sandbox(), START);

        assertThat(exit).isEqualTo(new SandboxExit(3, false));
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(app.appLines()).last().isEqualTo("fatal: DATABASE_URL is not set"));
        long t0 = System.nanoTime();
        assertThat(app.sandbox().stop(Duration.ofSeconds(10))).as("a stop after the exit").isEqualTo(exit);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("returns at once").isLessThan(Duration.ofMillis(500));
    }

    @Test
    void aThousandLinesReachTheLogCompleteAndInOrderAsTheAppsOwn() {
        Started app = start(ContractApp.NUMBERED);
        SandboxClient.awaitAnswer(app.sandbox(), "/lines?count=0", START);

        assertThat(SandboxClient.get(app.sandbox().address(), "/lines?count=1000").body()).isEqualTo("1000");

        List<String> expected = IntStream.rangeClosed(1, 1000).mapToObj(n -> "line " + n + " " + ".".repeat(80)).toList();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(app.appLines()).hasSizeGreaterThanOrEqualTo(1000));
        assertThat(app.appLines()).containsExactlyElementsOf(expected);
        assertThat(app.log().lines()).filteredOn(l -> l.text().startsWith("line ")).allMatch(l -> l.source() == LogSource.APP);
    }

    @Test
    void aNewRuntimeOverTheSameDataDirRemovesTheSandboxOfAnAppNoLongerStored() {
        Started app = start(ContractApp.ENV);
        SandboxClient.awaitAnswer(app.sandbox(), "/", START);

        Leftovers leftovers;
        try (SandboxRuntime restarted = newRuntime(dataDir)) {
            leftovers = restarted.adoptOrReap(java.util.Set.of());
        }

        assertThat(leftovers).isEqualTo(new Leftovers(0, 1));
        exitOf(app.sandbox(), Duration.ofSeconds(10));
    }

    @Test
    void aNewRuntimeOverTheSameDataDirAdoptsOrRemovesTheSandboxOfAStoredAppAndCountsItOnce() {
        Started app = start(ContractApp.ENV);
        SandboxClient.awaitAnswer(app.sandbox(), "/", START);

        Leftovers leftovers;
        try (SandboxRuntime restarted = newRuntime(dataDir)) {
            leftovers = restarted.adoptOrReap(java.util.Set.of(app.appId()));
        }

        assertThat(leftovers.adopted() + leftovers.reaped()).as("%s", leftovers).isEqualTo(1);
        if (leftovers.reaped() == 1) exitOf(app.sandbox(), Duration.ofSeconds(10));
    }

    /**
     * What restarts an app behind Slipway is never missed: where the runtime's apps restart under it (a pod's), the
     * restart is told and the new process answers in the same sandbox; where they do not, the restart is the sandbox's
     * end, and its exit says so. A runtime with no way to restart an app behind Slipway (a process that ends is its
     * sandbox's end) must not claim that its apps restart.
     */
    @Test
    void aRestartBehindSlipwayIsObservedAsARestartOrAsTheSandboxsEnd() {
        Started app = start(ContractApp.NUMBERED);
        assertThat(SandboxClient.awaitAnswer(app.sandbox(), "/lines?count=1", START).body()).isEqualTo("1");
        List<SandboxRestart> told = new CopyOnWriteArrayList<>();
        app.sandbox().observe(told::add);

        if (!restartBehindSlipway(app.sandbox())) {
            assertThat(runtime.capabilities().restartsUnderSlipway()).as("%s has no way to restart an app, so its apps cannot restart under Slipway",
                    runtime.name()).isFalse();
            assertThat(app.sandbox().exited()).as("nothing happened to the app").isNotDone();
            return;
        }
        if (runtime.capabilities().restartsUnderSlipway()) {
            await("the restart told").atMost(START).until(() -> !told.isEmpty());
            assertThat(told).singleElement().satisfies(restart -> assertThat(restart.count()).isEqualTo(1));
            assertThat(app.sandbox().exited()).as("a restart is not the sandbox's end").isNotDone();
            assertThat(SandboxClient.awaitAnswer(app.sandbox(), "/lines?count=1", START).body()).as("a new process, which counts from 1 again").isEqualTo("1");
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(app.appLines()).as("the new process's output reaches the log")
                    .filteredOn(line -> line.startsWith("line 1 ")).hasSize(2));
            return;
        }
        SandboxExit exit = exitOf(app.sandbox(), START);
        assertThat(exit.cause()).as("what ended it: %s", exit).hasValueSatisfying(cause -> assertThat(cause).containsIgnoringCase("restarted"));
        assertThat(told).as("an end, not a restart").isEmpty();
        long t0 = System.nanoTime();
        assertThat(app.sandbox().stop(Duration.ofSeconds(10))).as("a stop after the end").isEqualTo(exit);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("returns at once").isLessThan(Duration.ofSeconds(2));
    }
}
