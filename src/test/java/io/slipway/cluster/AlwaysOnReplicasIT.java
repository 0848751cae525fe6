package io.slipway.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.slipway.testing.SlipwayProcess;
import io.slipway.testing.TestApps;
import io.slipway.testing.TestDatabase;
import io.slipway.testing.TestServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An always-on app with two replicas as separate {@code ./slipway up} processes on one real (embedded) PostgreSQL, with
 * a 3 s lease period: the replica it was deployed through runs it and the other never starts it, although that one
 * learns of it from the database; once the replica running it is killed with SIGKILL, the other takes it over by
 * itself, without a request, building it from the upload the database keeps.
 */
class AlwaysOnReplicasIT {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @TempDir
    Path work;

    @Test
    void theReplicaHoldingTheLeaseRunsAnAlwaysOnAppAndAnotherTakesItOverWhenThatOneDies() throws Exception {
        TestServer.openForSandboxes(work);
        Map<String, String> env = Map.of("SLIPWAY_DATABASE_URL", TestDatabase.freshPostgresUrl(), "SLIPWAY_CLUSTER_LEASE_PERIOD", "3s",
                "SLIPWAY_PLANS_FREE_ALWAYS_ON", "1");
        SlipwayProcess a = SlipwayProcess.up(Files.createDirectories(work.resolve("a")), env);
        SlipwayProcess b = SlipwayProcess.up(Files.createDirectories(work.resolve("b")), env);
        try {
            String token = a.token("hana");
            String id = a.deploy(token, "index.js", TestApps.source("counter.js"), Map.of("alwaysOn", "true", "sleepAfter", "1s"));
            Path bLog = work.resolve("b/logs/" + id + ".log");

            await().atMost(Duration.ofSeconds(30)).until(() -> b.output().stream().anyMatch(l -> l.contains("always-on app " + id + " (deployed through another replica) is known here")));
            // Several of b's tries (every 5 s) and sleepAfters: a runs it all along, and b never started it.
            await().during(Duration.ofSeconds(6)).atMost(Duration.ofSeconds(8)).until(() -> !log(bLog).contains("[slipway] starting"));
            assertThat(log(work.resolve("a/logs/" + id + ".log"))).doesNotContain("going to sleep");

            long killed = System.nanoTime();
            a.kill9();

            // No request is sent meanwhile: b starts it of its own accord once a's lease has run out.
            await().atMost(Duration.ofSeconds(60)).until(() -> log(bLog).contains("always on: started without waiting for a request"));
            Duration takeover = Duration.ofNanos(System.nanoTime() - killed);
            assertThat(log(bLog)).contains("building index.js on this replica");
            HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(URI.create(b.base() + "/containers/" + id + "/count"))
                    .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
            System.out.println("always-on takeover after SIGKILL: " + takeover.toMillis() + " ms");
        } finally {
            b.close();
            a.close();
            // a was killed: its apps' /data stays mounted until a next start of a, which this test does not make.
            io.slipway.testing.LeftoverMounts.unmountUnder(work);
        }
    }

    private static String log(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            return "";
        }
    }
}
