package io.slipway.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.slipway.testing.SlipwayProcess;
import io.slipway.testing.TestApps;
import io.slipway.testing.TestDatabase;
import io.slipway.testing.TestServer;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two replicas as separate {@code ./slipway up} processes on one real (embedded) PostgreSQL, with a 3 s lease period:
 * the replica running an app is killed with SIGKILL while a client keeps calling the app through the other, which
 * takes the app over once the dead one's lease has run out, building it from the upload the database keeps, since it
 * never had its build; the crashed replica, started again, leaves the app to the one that holds it.
 */
class ReplicaTakeoverIT {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @TempDir
    Path work;

    @Test
    void whenTheReplicaRunningAnAppIsKilledTheOtherServesItWithinTheLeasePeriodAndRunsItOnce() throws Exception {
        TestServer.openForSandboxes(work);
        Map<String, String> env = Map.of("SLIPWAY_DATABASE_URL", TestDatabase.freshPostgresUrl(), "SLIPWAY_CLUSTER_LEASE_PERIOD", "3s");
        SlipwayProcess a = SlipwayProcess.up(Files.createDirectories(work.resolve("a")), env);
        SlipwayProcess b = SlipwayProcess.up(Files.createDirectories(work.resolve("b")), env);
        SlipwayProcess restarted = null;
        try {
            String token = a.token("gina");
            String id = a.deploy(token, "index.js", TestApps.source("counter.js"));
            assertThat(get(b, id, "/through-b").statusCode()).isEqualTo(200);
            assertThat(Files.exists(work.resolve("b/logs/" + id + ".log"))).as("run by a alone so far").isFalse();

            List<Integer> statuses = new CopyOnWriteArrayList<>();
            AtomicBoolean calling = new AtomicBoolean(true);
            Thread client = Thread.ofVirtual().start(() -> {
                while (calling.get()) {
                    try {
                        statuses.add(get(b, id, "/during").statusCode());
                    } catch (Exception e) {
                        statuses.add(-1);
                    }
                }
            });
            long killed = System.nanoTime();
            a.kill9();
            await().atMost(Duration.ofSeconds(30)).until(() -> statuses.size() > 1 && statuses.getLast() == 200);
            Duration takeover = Duration.ofNanos(System.nanoTime() - killed);
            calling.set(false);
            client.join();

            assertThat(takeover).as("within the lease period and a build").isLessThan(Duration.ofSeconds(30));
            assertThat(statuses).as("while a's lease ran out: refused with Retry-After, never a broken answer").allMatch(s -> s == 200 || s == 503);
            String bLog = Files.readString(work.resolve("b/logs/" + id + ".log"));
            assertThat(bLog).contains("building index.js on this replica", "[slipway] starting");

            restarted = SlipwayProcess.up(work.resolve("a"), env);
            HttpResponse<String> throughA = get(restarted, id, "/count");
            assertThat(throughA.statusCode()).as(throughA.body()).isEqualTo(200);
            int seenThroughA = new JsonObject(throughA.body()).getInteger("seen");
            int seenThroughB = new JsonObject(get(b, id, "/count").body()).getInteger("seen");
            assertThat(seenThroughB).as("one process answers through either: b's").isEqualTo(seenThroughA);
            System.out.println("takeover after SIGKILL: " + takeover.toMillis() + " ms; answers meanwhile: "
                    + statuses.stream().filter(s -> s != 200).count() + " refused of " + statuses.size());
        } finally {
            if (restarted != null) restarted.close();
            b.close();
            a.close();
        }
    }

    private static HttpResponse<String> get(SlipwayProcess replica, String id, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(replica.base() + "/containers/" + id + path)).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
