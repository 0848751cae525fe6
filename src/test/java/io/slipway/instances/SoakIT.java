package io.slipway.instances;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.slipway.testing.Footprint;
import io.slipway.testing.SlipwayProcess;
import io.slipway.testing.TestApps;
import io.slipway.testing.TestServer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 7's soak: 500 concurrent connections for 60 s across 20 apps that sleep and wake, against Slipway as its own
 * process. The apps are loaded in two alternating halves, 6 s each, so every app falls asleep (sleepAfter 1 s) and is
 * woken by 50 connections at once, ten times over. No request may fail, and Slipway's open files, threads and live
 * heap, measured when it is idle after a warm-up and again after the soak, may not grow.
 */
class SoakIT {
    static final int APPS = 20;
    static final int CONNECTIONS = 500;
    static final Duration SOAK = Duration.ofSeconds(60);
    static final Duration PHASE = Duration.ofSeconds(6);

    @TempDir
    Path work;

    @Test
    void fiveHundredConnectionsForAMinuteAcrossTwentySleepingAndWakingAppsFailNothingAndGrowNothing() throws Exception {
        TestServer.openForSandboxes(work);
        try (SlipwayProcess slipway = SlipwayProcess.up(work.resolve("data"), Map.of("SLIPWAY_PLANS_FREE_APPS", "100",
                "SLIPWAY_PLANS_FREE_REQUESTS_PER_SECOND", "1000000"))) {
            String token = slipway.token("soak");
            List<String> apps = new ArrayList<>();
            for (int i = 0; i < APPS; i++) apps.add(slipway.deploy(token, "index.js", TestApps.source("hello.js"), Map.of("sleepAfter", "1s")));
            long pid = slipway.process().pid();

            Load warmUp = load(slipway, apps, Duration.ofSeconds(10));
            assertThat(warmUp.failures()).as("warm-up failures").isEmpty();
            allAsleep(slipway, token);
            Footprint before = Footprint.of(pid);

            Load soak = load(slipway, apps, SOAK);
            allAsleep(slipway, token);
            Footprint after = Footprint.of(pid);

            System.out.printf("soak: %d requests in %d s (%d req/s), %d wakes; before %s; after %s%n", soak.ok(), SOAK.toSeconds(),
                    soak.ok() / SOAK.toSeconds(), wakes(slipway) , before, after);
            assertThat(soak.failures()).as("unexpected errors").isEmpty();
            assertThat(soak.ok()).as("requests answered").isGreaterThan(SOAK.toSeconds() * 200);
            assertThat(after.openFiles()).as("open files").isLessThanOrEqualTo(before.openFiles() + 10);
            assertThat(after.threads()).as("threads outside the pools that grow to a bound: before %s, after %s", before.threadNames(),
                    after.threadNames()).isLessThanOrEqualTo(before.threads() + 2);
            assertThat(after.logPumps()).as("log pumps, with every app asleep").isZero();
            assertThat(after.liveHeapKib()).as("live heap after a full GC, KiB").isLessThanOrEqualTo(before.liveHeapKib() * 5 / 4 + 8 * 1024);
        }
    }

    record Load(long ok, Map<String, Long> failures) {
    }

    /**
     * {@code CONNECTIONS} virtual threads, each on a connection of its own, send GETs for {@code duration}: thread i
     * to app (i mod 10) of the half whose turn it is.
     */
    static Load load(SlipwayProcess slipway, List<String> apps, Duration duration) throws Exception {
        LongAdder ok = new LongAdder();
        Map<String, LongAdder> failures = new ConcurrentHashMap<>();
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
             var threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < CONNECTIONS; c++) {
                int connection = c;
                threads.submit(() -> {
                    while (System.nanoTime() < end) {
                        int half = (int) (((System.nanoTime() - start) / PHASE.toNanos()) % 2);
                        String app = apps.get(half * (APPS / 2) + connection % (APPS / 2));
                        String outcome;
                        try {
                            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(slipway.base() + "/containers/" + app + "/"))
                                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
                            outcome = r.statusCode() == 200 && r.body().contains("hello") ? null : r.statusCode() + " " + r.body();
                        } catch (IOException e) {
                            outcome = e.toString();
                        }
                        if (outcome == null) {
                            ok.increment();
                        } else {
                            failures.computeIfAbsent(outcome.length() > 200 ? outcome.substring(0, 200) : outcome, k -> new LongAdder()).increment();
                        }
                    }
                    return null;
                });
            }
        }
        Map<String, Long> failed = new java.util.TreeMap<>();
        failures.forEach((k, v) -> failed.put(k, v.sum()));
        return new Load(ok.sum(), failed);
    }

    static void allAsleep(SlipwayProcess slipway, String token) {
        HttpClient http = HttpClient.newHttpClient();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            String body = http.send(HttpRequest.newBuilder(URI.create(slipway.base() + "/api/mcp-projects"))
                    .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString()).body();
            return new JsonObject(body).getJsonArray("projects").stream()
                    .allMatch(p -> "sleeping".equals(((JsonObject) p).getString("status")));
        });
    }

    static long wakes(SlipwayProcess slipway) {
        return slipway.output().stream().filter(line -> line.contains(" started in ")).count();
    }
}
