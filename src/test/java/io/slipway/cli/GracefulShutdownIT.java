package io.slipway.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.slipway.testing.SandboxProcesses;
import io.slipway.testing.SlipwayProcess;
import io.slipway.testing.TestApps;
import io.slipway.testing.TestServer;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM to {@code ./slipway up}, as a service manager sends it: new connections are refused, the request in flight
 * is answered whole, every sandbox is stopped, and the exit status is 0.
 */
class GracefulShutdownIT {
    @TempDir
    Path work;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void sigtermDrainsTheRequestInFlightStopsEveryAppAndExitsZero() throws Exception {
        TestServer.openForSandboxes(work);
        Path data = work.resolve("data");
        try (SlipwayProcess slipway = SlipwayProcess.up(data, Map.of())) {
            String id = slipway.deploy(slipway.token("draining"), "index.js", TestApps.source("hello.js"));
            URI app = URI.create(slipway.base() + "/containers/" + id + "/");
            assertThat(http.send(HttpRequest.newBuilder(app).build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);

            CompletableFuture<HttpResponse<String>> inFlight = http.sendAsync(
                    HttpRequest.newBuilder(app.resolve("slow?ms=3000")).build(), HttpResponse.BodyHandlers.ofString());
            // SIGTERM once the app holds the request (it logs it).
            Path log = data.resolve("logs/" + id + ".log");
            await().atMost(Duration.ofSeconds(10)).until(() -> Files.readString(log).contains("slow request: answering in 3000 ms"));
            slipway.process().toHandle().destroy(); // SIGTERM

            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThatThrownBy(() -> HttpClient.newHttpClient()
                    .send(HttpRequest.newBuilder(app).timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString()))
                    .isInstanceOf(ConnectException.class));
            HttpResponse<String> drained = inFlight.get(20, TimeUnit.SECONDS);
            assertThat(drained.statusCode()).isEqualTo(200);
            assertThat(drained.body()).isEqualTo("slow done");

            assertThat(slipway.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(slipway.process().exitValue()).isZero();
            assertThat(SandboxProcesses.count(id)).isZero();
            assertThat(slipway.output()).anyMatch(l -> l.contains("requests drained in"));
        }
    }

    @Test
    void aRequestThatOutlastsProxyDrainTimeoutIsCutOffAndSlipwayStillExitsZero() throws Exception {
        TestServer.openForSandboxes(work);
        Path data = work.resolve("data");
        try (SlipwayProcess slipway = SlipwayProcess.up(data, Map.of("SLIPWAY_PROXY_DRAIN_TIMEOUT", "1s"))) {
            String id = slipway.deploy(slipway.token("impatient"), "index.js", TestApps.source("hello.js"));
            URI app = URI.create(slipway.base() + "/containers/" + id + "/");
            CompletableFuture<HttpResponse<String>> inFlight = http.sendAsync(
                    HttpRequest.newBuilder(app.resolve("slow?ms=60000")).build(), HttpResponse.BodyHandlers.ofString());
            Path log = data.resolve("logs/" + id + ".log");
            await().atMost(Duration.ofSeconds(20)).until(() -> Files.isRegularFile(log)
                    && Files.readString(log).contains("slow request: answering in 60000 ms"));
            slipway.process().toHandle().destroy(); // SIGTERM

            // Within 8 s: sooner than the default drain (10 s) would allow.
            assertThat(slipway.process().waitFor(8, TimeUnit.SECONDS)).isTrue();
            assertThat(slipway.process().exitValue()).isZero();
            // Cut off after the 1 s drain, not answered at 60 s.
            assertThatThrownBy(() -> inFlight.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(java.io.IOException.class);
            assertThat(slipway.output()).anyMatch(l -> l.contains("requests in flight have 1s to finish"));
            assertThat(SandboxProcesses.count(id)).isZero();
        }
    }
}
