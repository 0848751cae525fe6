package io.slipway.metering;

import static org.assertj.core.api.Assertions.assertThat;

import io.slipway.testing.SandboxProcesses;
import io.slipway.testing.SlipwayProcess;
import io.slipway.testing.TestApps;
import io.slipway.testing.TestServer;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A kill -9 of Slipway loses at most one metering interval (the default, 10 s) of an app's active time: Slipway runs as
 * a separate process, an app serves one 25 s request, Slipway is killed the moment it answers, restarted on the same
 * data, and asked.
 */
class CrashMeteringIT {
    static final Duration RUN = Duration.ofSeconds(25);
    static final Duration INTERVAL = Duration.ofSeconds(10);

    @TempDir
    Path work;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void aKill9LosesAtMostOneIntervalOfMeteredTime() throws Exception {
        TestServer.openForSandboxes(work);
        Path data = work.resolve("data");
        String id;
        String token;
        long servedFrom;
        long killedAt;
        try (SlipwayProcess first = SlipwayProcess.up(data, Map.of())) {
            token = first.token("crashy");
            long deployedFrom = System.nanoTime();
            id = first.deploy(token, "index.js", TestApps.source("hello.js"));
            assertThat(send(HttpRequest.newBuilder(URI.create(first.base() + "/containers/" + id + "/"))).statusCode()).isEqualTo(200);
            servedFrom = System.nanoTime();
            // A request the app answers after RUN: the app is active throughout, and Slipway flushes every 10 s meanwhile.
            HttpResponse<String> slow = send(HttpRequest.newBuilder(URI.create(first.base() + "/containers/" + id + "/slow?ms=" + RUN.toMillis())));
            assertThat(slow.body()).isEqualTo("slow done");
            killedAt = System.nanoTime();
            first.kill9();
            long ranAtMost = Duration.ofNanos(killedAt - deployedFrom).toMillis();
            long ranAtLeast = Duration.ofNanos(killedAt - servedFrom).toMillis();

            try (SlipwayProcess second = SlipwayProcess.up(data, Map.of())) {
                assertThat(SandboxProcesses.count(id)).as("the killed run's sandbox was reaped at start").isZero();
                JsonObject usage = new JsonObject(send(HttpRequest.newBuilder(URI.create(second.base() + "/api/usage"))
                        .header("Authorization", "Bearer " + token)).body());
                long metered = Math.round(usage.getJsonArray("apps").getJsonObject(0).getDouble("activeSeconds") * 1000);

                assertThat(metered).as("metered ms, for a run of %d..%d ms", ranAtLeast, ranAtMost)
                        .isGreaterThanOrEqualTo(ranAtLeast - INTERVAL.toMillis()).isLessThanOrEqualTo(ranAtMost);
                System.out.printf("kill -9 after %d ms of running: %d ms metered, %d ms lost (at most %d allowed)%n",
                        ranAtLeast, metered, ranAtLeast - metered, INTERVAL.toMillis());
                assertThat(send(HttpRequest.newBuilder(URI.create(second.base() + "/containers/" + id + "/"))).statusCode())
                        .as("the app answers after the restart").isEqualTo(200);
            }
        }
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
