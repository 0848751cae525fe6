package io.slipway.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.slipway.logs.LogFiles;
import io.slipway.testing.Footprint;
import io.slipway.testing.SlipwayProcess;
import io.slipway.testing.TestApps;
import io.slipway.testing.TestServer;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, item 4: followers of a log that never read what they are sent must not cost Slipway memory. Four of them
 * (raw sockets that send their request and never read) follow an app that logs as fast as its pipe takes (flood.js)
 * for 20 s, against Slipway as its own process; its live heap, sampled every 5 s, may grow by a few MiB at most. Before
 * followers honoured back-pressure it grew without bound, by about 1.3 MB a second per follower (+108 MB in 20 s with
 * four); since, it stays within 2 MB of where it began.
 */
class LogFollowerHeapIT {
    static final int FOLLOWERS = 4;
    static final Duration FLOOD = Duration.ofSeconds(20);
    static final Duration SAMPLE_EVERY = Duration.ofSeconds(5);
    static final long MAX_GROWTH_KIB = 16 * 1024;

    @TempDir
    Path work;

    @Test
    void fourFollowersThatNeverReadAFloodingAppDoNotGrowSlipwaysHeap() throws Exception {
        TestServer.openForSandboxes(work);
        try (SlipwayProcess slipway = SlipwayProcess.up(work.resolve("data"), Map.of("SLIPWAY_PLANS_FREE_REQUESTS_PER_SECOND", "1000000"));
             HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            String token = slipway.token("heap");
            String id = slipway.deploy(token, "index.js", TestApps.source("flood.js"), Map.of("sleepAfter", "10m"));
            Path log = work.resolve("data/logs/" + id + ".log");
            // The flood is on once its log has been rotated.
            await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(log.resolveSibling(id + ".log.1")));
            long pid = slipway.process().pid();
            Footprint before = Footprint.of(pid);

            List<Socket> followers = new ArrayList<>();
            List<Long> growth = new ArrayList<>();
            try {
                for (int i = 0; i < FOLLOWERS; i++) followers.add(followNeverReading(URI.create(slipway.base()), id, token));
                Instant start = Instant.now();
                Instant nextSample = start.plus(SAMPLE_EVERY);
                int answered = 0;
                while (Instant.now().isBefore(start.plus(FLOOD))) {
                    // Meanwhile the app and the API go on answering.
                    HttpResponse<String> app = http.send(HttpRequest.newBuilder(URI.create(slipway.base() + "/containers/" + id + "/"))
                            .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
                    assertThat(app.body()).isEqualTo("still answering");
                    answered++;
                    if (Instant.now().isAfter(nextSample)) {
                        growth.add(Footprint.of(pid).liveHeapKib() - before.liveHeapKib());
                        nextSample = nextSample.plus(SAMPLE_EVERY);
                    }
                }
                Footprint after = Footprint.of(pid);
                growth.add(after.liveHeapKib() - before.liveHeapKib());
                String lastLine = LogFiles.tail(log, 4096).lines().reduce((a, b) -> b).orElse("");
                System.out.printf("log followers: live heap before %d KiB; growth every %d s with %d followers that never read: %s KiB; "
                        + "%d requests answered meanwhile%n", before.liveHeapKib(), SAMPLE_EVERY.toSeconds(), FOLLOWERS, growth, answered);

                assertThat(Instant.parse(lastLine.substring(0, lastLine.indexOf(' '))))
                        .as("the app was still flooding its log at the end: %s", lastLine).isAfter(start.plus(FLOOD).minusSeconds(5));
                assertThat(growth).as("growth of the live heap, KiB, every %d s", SAMPLE_EVERY.toSeconds())
                        .allSatisfy(kib -> assertThat(kib).isLessThan(MAX_GROWTH_KIB));
            } finally {
                for (Socket follower : followers) follower.close();
            }
        }
    }

    /** A follower that sends its request and never reads: a small receive buffer, so that its window closes at once. */
    static Socket followNeverReading(URI base, String id, String token) throws Exception {
        Socket socket = new Socket();
        socket.setReceiveBufferSize(4096);
        socket.connect(new InetSocketAddress(base.getHost(), base.getPort()), 5000);
        socket.getOutputStream().write(("GET /api/containers/servers/" + id + "/logs?follow=true HTTP/1.1\r\nHost: " + base.getHost()
                + "\r\nAuthorization: Bearer " + token + "\r\nAccept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        return socket;
    }
}
