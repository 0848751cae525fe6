package io.slipway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.slipway.testing.TestApps;
import io.slipway.testing.TestServer;
import io.vertx.core.json.JsonObject;
import java.lang.management.ManagementFactory;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.SubmissionPublisher;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bodies stream through the proxy: 20 concurrent 100 MB uploads leave the live heap almost where it was. */
class UploadHeapIT {
    private static final long MB = 1024 * 1024;

    @Test
    void twentyConcurrentHundredMegabyteUploadsGrowTheHeapByLessThan64Megabytes(@TempDir Path dataDir) throws Exception {
        try (TestServer server = TestServer.start(dataDir)) {
            String app = server.deploy(server.token("heap"), "index.js", TestApps.source("edges.js"), Map.of()).getString("id");
            assertThat(server.call(app, "/").statusCode()).isEqualTo(200);
            long baseline = liveHeap();
            AtomicLong peak = new AtomicLong(baseline);

            List<CompletableFuture<HttpResponse<String>>> uploads = IntStream.range(0, 20)
                    .mapToObj(i -> server.http().sendAsync(HttpRequest.newBuilder(server.base().resolve("/containers/" + app + "/count"))
                            .POST(HttpRequest.BodyPublishers.fromPublisher(zeros(100 * MB), 100 * MB)).build(),
                            HttpResponse.BodyHandlers.ofString()))
                    .toList();
            CompletableFuture<Void> all = CompletableFuture.allOf(uploads.toArray(CompletableFuture[]::new));
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
            while (!all.isDone() && System.nanoTime() < deadline) {
                try {
                    all.get(250, TimeUnit.MILLISECONDS); // the uploads' own completion paces the samples
                } catch (TimeoutException stillRunning) {
                    peak.accumulateAndGet(liveHeap(), Math::max);
                }
            }

            assertThat(uploads).allSatisfy(u -> assertThat(new JsonObject(u.join().body()).getLong("bytes")).isEqualTo(100 * MB));
            long growth = peak.get() - baseline;
            System.out.printf("20 concurrent 100 MB uploads: live heap %d MB before, peak %d MB (+%d MB)%n",
                    baseline / MB, peak.get() / MB, growth / MB);
            assertThat(growth).isLessThan(64 * MB);
        }
    }

    /** The heap still in use after a full collection: what the uploads hold, not garbage they made. */
    private static long liveHeap() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** {@code length} zero bytes in 64 KiB pieces, made as the subscriber asks for them. */
    private static Flow.Publisher<ByteBuffer> zeros(long length) {
        return subscriber -> {
            // A buffer of 4 pieces, not the default 256: the client must not hold the data it measures the proxy for.
            SubmissionPublisher<ByteBuffer> publisher = new SubmissionPublisher<>(ForkJoinPool.commonPool(), 4);
            publisher.subscribe(subscriber);
            Thread.ofVirtual().start(() -> {
                try (publisher) {
                    for (long sent = 0; sent < length; sent += 64 * 1024) publisher.submit(ByteBuffer.allocate(64 * 1024));
                }
            });
        };
    }
}
