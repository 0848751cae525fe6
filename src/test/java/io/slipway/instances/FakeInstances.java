package io.slipway.instances;

import io.slipway.app.App;
import io.slipway.app.AppStatus;
import io.slipway.app.Language;
import io.slipway.config.DataSize;
import io.slipway.config.SlipwayConfig.InstanceSettings;
import io.slipway.logs.AppLogs;
import io.slipway.runtime.Artifact;
import io.slipway.runtime.Layer;
import io.slipway.runtime.NetworkPolicy;
import io.slipway.runtime.SandboxLimits;
import io.slipway.runtime.SandboxSpec;
import io.slipway.testing.FakeSandboxRuntime;
import io.slipway.testing.RecordingLogSink;
import io.slipway.testing.TestClock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * {@link Instances} on a {@link FakeSandboxRuntime}, with a clock the test moves, as the lifecycle's unit tests use them:
 * every status the lifecycle reported is kept, each app's log is a file under the test's dir, and usage is metered but
 * never flushed by the clock (once an hour). Apps run the fake's {@code env.js}, asleep until their first request.
 */
final class FakeInstances implements AutoCloseable {
    static final Duration SLEEP_AFTER = Duration.ofMinutes(10);
    /** How long exchanges on a version a redeploy replaced may go on. */
    static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(2);

    /** One status the lifecycle reported. */
    record Reported(String appId, AppStatus status, String error) {
    }

    final TestClock clock = new TestClock(Instant.parse("2026-12-01T10:00:00Z"));
    final FakeSandboxRuntime runtime;
    final Instances instances;
    private final List<Reported> reported = new CopyOnWriteArrayList<>();
    private final AppLogs logs;

    /** A cap of {@code maxRunning} instances, idle checks every 10 ms, starts bounded by {@code startTimeout}, and these apps. */
    FakeInstances(Path dir, int maxRunning, Duration startTimeout, String... appIds) {
        this.runtime = new FakeSandboxRuntime(dir);
        this.logs = new AppLogs(dir.resolve("logs"), 1 << 20);
        var settings = new InstanceSettings(startTimeout, Duration.ofSeconds(1), 100, Duration.ofSeconds(10), maxRunning,
                Duration.ofMillis(10), Duration.ofSeconds(30), DRAIN_TIMEOUT);
        this.instances = new Instances(runtime, settings, clock, (id, status, error, lastActive) -> reported.add(new Reported(id, status, error)),
                FakeInstances::spec, logs::of, (app, at, used) -> { }, Duration.ofHours(1));
        for (String id : appIds) instances.register(app(id));
    }

    private App app(String id) {
        return app(id, "env.js", Map.of());
    }

    /** The app {@code id} as deployed with the fake's app {@code entry} and {@code env}: a new version of it, say. */
    App app(String id, String entry, Map<String, String> env) {
        Instant created = clock.instant();
        return new App(id, "alice", id, Language.NODE, entry, List.of(), SLEEP_AFTER, env, AppStatus.READY, null, "0".repeat(64),
                null, false, false, "free", created, created, null, App.DEFAULT_HEALTH_PATH,
                io.slipway.app.Transport.HTTP, App.MCP_AUTO);
    }

    private static SandboxSpec spec(App app) {
        Artifact artifact = new Artifact(app.language(), app.entryFile(), Layer.of(Layer.Kind.CODE, app.codeHash()), Optional.empty());
        return new SandboxSpec(app.id(), artifact, app.env(), new SandboxLimits(DataSize.ofMebibytes(256), 64, 1.0), NetworkPolicy.ISOLATED,
                Map.of(), new RecordingLogSink());
    }

    /** Every status reported for the app, in order. */
    List<AppStatus> statusesOf(String appId) {
        return reported.stream().filter(r -> r.appId().equals(appId)).map(Reported::status).toList();
    }

    /** The last status reported for the app (a status of null when there was none). */
    Reported lastOf(String appId) {
        return reported.stream().filter(r -> r.appId().equals(appId)).reduce((a, b) -> b).orElse(new Reported(appId, null, null));
    }

    /** The app's log as it is on disk now. */
    String log(String appId) {
        try {
            Path file = logs.file(appId);
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        instances.close();
        runtime.close();
    }
}
