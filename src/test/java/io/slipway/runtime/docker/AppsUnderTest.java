package io.slipway.runtime.docker;

import static org.awaitility.Awaitility.await;

import io.slipway.logs.FileLogSink;
import io.slipway.runtime.Artifact;
import io.slipway.runtime.NetworkPolicy;
import io.slipway.runtime.Sandbox;
import io.slipway.runtime.SandboxLimits;
import io.slipway.runtime.SandboxRuntime;
import io.slipway.runtime.SandboxSpec;
import io.slipway.testing.TestArtifacts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The apps one test starts on a runtime: their specs (test apps from {@code src/test/resources/apps}, logs under the
 * data dir), their starts, HTTP to their addresses, and their stop at the end of the test.
 */
final class AppsUnderTest {
    static final Duration STARTED = Duration.ofSeconds(30);

    private final Path dataDir;
    private final Supplier<SandboxRuntime> runtime;
    private final SandboxLimits limits;
    private final List<Sandbox> started = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** @param runtime the runtime apps start on, asked at each start (a test may replace it) */
    AppsUnderTest(Path dataDir, Supplier<SandboxRuntime> runtime, SandboxLimits limits) {
        this.dataDir = dataDir;
        this.runtime = runtime;
        this.limits = limits;
    }

    /** Starts the test app {@code app} as {@code appId}, without the internet. */
    Sandbox start(String appId, String app, Map<String, String> env) {
        return start(spec(appId, TestArtifacts.of(dataDir, appId, app), env, NetworkPolicy.ISOLATED));
    }

    Sandbox start(SandboxSpec spec) {
        Sandbox sandbox = runtime.get().start(spec);
        started.add(sandbox);
        return sandbox;
    }

    SandboxSpec spec(String appId, Artifact artifact, Map<String, String> env, NetworkPolicy network) {
        return new SandboxSpec(appId, artifact, env, limits, network, Map.of(), new FileLogSink(log(appId), 16 << 20, appId));
    }

    /** The app's log file. */
    Path log(String appId) {
        try {
            return Files.createDirectories(dataDir.resolve("logs")).resolve(appId + ".log");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The body of the first 200 the app answers {@code GET path} with, within {@link #STARTED}; fails at once if it exits. */
    String awaitAnswer(Sandbox sandbox, String path) {
        URI uri = uri(sandbox, path);
        return await().atMost(STARTED).pollInterval(Duration.ofMillis(20)).ignoreExceptions()
                .failFast("the app exited", () -> sandbox.exited().isDone()).until(() -> {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? response.body() : null;
        }, body -> body != null);
    }

    /** POSTs {@code body} and returns the answer's body. */
    String post(Sandbox sandbox, String path, String body) {
        try {
            return http.send(HttpRequest.newBuilder(uri(sandbox, path)).timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(body))
                    .build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Sends a request whose answer never comes (the app dies of it). */
    void sendQuietly(Sandbox sandbox, String path) {
        http.sendAsync(HttpRequest.newBuilder(uri(sandbox, path)).build(), HttpResponse.BodyHandlers.discarding());
    }

    /** Stops every app the test started, at once (no grace). */
    void stopAll() {
        for (Sandbox sandbox : started) sandbox.stop(Duration.ZERO);
        started.clear();
    }

    static URI uri(Sandbox sandbox, String path) {
        InetSocketAddress address = (InetSocketAddress) sandbox.address();
        return URI.create("http://" + address.getAddress().getHostAddress() + ":" + address.getPort() + path);
    }
}
