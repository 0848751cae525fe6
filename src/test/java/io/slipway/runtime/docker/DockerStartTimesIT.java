package io.slipway.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.slipway.config.DataSize;
import io.slipway.logs.FileLogSink;
import io.slipway.runtime.Artifact;
import io.slipway.runtime.NetworkPolicy;
import io.slipway.runtime.Sandbox;
import io.slipway.runtime.SandboxLimits;
import io.slipway.runtime.SandboxSpec;
import io.slipway.testing.PodmanEngine;
import io.slipway.testing.TestArtifacts;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How long a container takes from {@link DockerSandboxRuntime#start} to its first 200, against bare node on the host
 * (same app, loopback), alternately, 9 of each, on a fresh podman engine; and what the first start costs on top (the
 * base image's import, the artifact's image). Prints the figures; fails only when a start is far off.
 */
class DockerStartTimesIT {
    private static final int RUNS = 9;
    private static final byte[] GET = "GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dataDir;

    @Test
    void aContainerAnswersWithinASecondOfBareNode() throws Exception {
        Files.createDirectories(dataDir.resolve("logs"));
        try (PodmanEngine engine = PodmanEngine.start(); DockerSandboxRuntime runtime = DockerRuntimes.create(engine, dataDir)) {
            Artifact artifact = TestArtifacts.of(dataDir, "timed", "hello.js");
            SandboxSpec spec = new SandboxSpec("timed", artifact, Map.of(), new SandboxLimits(DataSize.parse("256MiB"), 64, 1),
                    NetworkPolicy.ISOLATED, Map.of(), new FileLogSink(dataDir.resolve("logs/timed.log"), 1 << 20, "timed"));
            long first = container(runtime, spec);
            List<Long> bare = new ArrayList<>();
            List<Long> containers = new ArrayList<>();
            for (int i = 0; i < RUNS; i++) {
                bare.add(bare(dataDir.resolve("apps/timed/code/hello.js")));
                containers.add(container(runtime, spec));
            }
            System.out.printf("docker runtime on %s, node hello, start to first 200, median of %d (min-max):%n", runtime.engine(), RUNS);
            System.out.printf("  first start (base image import + artifact image + start) %7.1f ms%n", first / 1e6);
            System.out.printf("  container  %6.1f ms (%.1f-%.1f)%n", median(containers) / 1e6, min(containers) / 1e6, max(containers) / 1e6);
            System.out.printf("  bare node  %6.1f ms (%.1f-%.1f)%n", median(bare) / 1e6, min(bare) / 1e6, max(bare) / 1e6);
            System.out.println("  each: containers " + containers.stream().map(n -> n / 1_000_000).toList() + ", bare " + bare.stream().map(n -> n / 1_000_000).toList());
            assertThat(Duration.ofNanos(median(containers))).isLessThan(Duration.ofNanos(median(bare)).plusSeconds(1));
        }
    }

    private static long container(DockerSandboxRuntime runtime, SandboxSpec spec) {
        long begun = System.nanoTime();
        Sandbox sandbox = runtime.start(spec);
        try {
            awaitOk(sandbox.address());
            return System.nanoTime() - begun;
        } finally {
            sandbox.stop(Duration.ZERO);
        }
    }

    private static long bare(Path app) throws IOException {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        long begun = System.nanoTime();
        ProcessBuilder pb = new ProcessBuilder(io.slipway.sandbox.HostTools.find().node().toString(), app.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("PORT", Integer.toString(port));
        pb.environment().put("HOST", "127.0.0.1");
        Process node = pb.start();
        try {
            awaitOk(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return System.nanoTime() - begun;
        } finally {
            node.destroyForcibly();
        }
    }

    private static void awaitOk(SocketAddress address) {
        await().atMost(Duration.ofSeconds(30)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(2)).ignoreExceptions()
                .until(() -> answersOk(address));
    }

    private static boolean answersOk(SocketAddress address) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(address, 1000);
            socket.setSoTimeout(2000);
            OutputStream out = socket.getOutputStream();
            out.write(GET);
            InputStream in = socket.getInputStream();
            return new String(in.readNBytes(12), StandardCharsets.US_ASCII).endsWith("200");
        }
    }

    private static long median(List<Long> values) {
        return values.stream().sorted().toList().get(values.size() / 2);
    }

    private static long min(List<Long> values) {
        return values.stream().mapToLong(Long::longValue).min().orElseThrow();
    }

    private static long max(List<Long> values) {
        return values.stream().mapToLong(Long::longValue).max().orElseThrow();
    }
}
