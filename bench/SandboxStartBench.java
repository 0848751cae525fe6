import io.slipway.app.DataDir;
import io.slipway.app.Language;
import io.slipway.config.SlipwayConfig;
import io.slipway.runtime.Sandbox;
import io.slipway.runtime.SandboxLimits;
import io.slipway.runtime.SandboxSpec;
import io.slipway.runtime.process.ProcessSandboxRuntime;
import io.slipway.sandbox.HostTools;
import io.slipway.sandbox.Ownership;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Start-to-first-200 of a node hello app: bare {@code node} against the full sandbox (setpriv + bubblewrap namespaces,
 * its own network joined by a veth pair, cgroup limits), measured alternately in one run on this machine.
 *
 * <p>Run: {@code bench/sandbox-start [iterations]} (needs root, bubblewrap, socat and a built target/slipway.jar).
 */
public class SandboxStartBench {
    private static final String HELLO = "require('http').createServer((q, s) => s.end('ok')).listen(Number(process.env.PORT), process.env.HOST);\n";
    private static final byte[] GET = "GET / HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    public static void main(String[] args) throws Exception {
        int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        Path root = Files.createTempDirectory(Path.of("/tmp"), "slipway-bench-");
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx--x--x"));
        try {
            run(root, iterations);
        } finally {
            Ownership.deleteTreeQuietly(root);
        }
    }

    private static void run(Path root, int iterations) throws Exception {
        DataDir dataDir = new DataDir(root);
        Path code = Files.createDirectories(dataDir.app("bench").resolve("code"));
        Files.writeString(code.resolve("index.cjs"), HELLO);
        int uid = 260_000;
        Ownership.giveTree(dataDir.app("bench"), uid, "r-x------", "r--------");
        Files.setPosixFilePermissions(dataDir.apps(), PosixFilePermissions.fromString("rwx--x--x"));
        SlipwayConfig config = SlipwayConfig.defaults(root);
        SlipwayConfig.SandboxSettings settings = config.sandbox();
        var plan = config.plan(null);
        HostTools tools = HostTools.find();
        try (ProcessSandboxRuntime runtime = new ProcessSandboxRuntime(tools, dataDir, settings)) {
            SandboxSpec spec = new SandboxSpec("bench", Language.NODE, dataDir.app("bench"), "index.cjs", null, Map.of(), uid,
                    dataDir.logs().resolve("bench.log"), new SandboxLimits(plan.memory(), settings.pids(), plan.cpus()), false);
            Files.createDirectories(dataDir.logs());

            List<Long> bare = new ArrayList<>();
            List<Long> sandboxed = new ArrayList<>();
            // One warm-up of each, then alternate so that both see the same machine state.
            bare(tools, code);
            sandboxed(runtime, spec);
            for (int i = 0; i < iterations; i++) {
                bare.add(bare(tools, code));
                sandboxed.add(sandboxed(runtime, spec));
            }
            long bareMedian = median(bare);
            long sandboxMedian = median(sandboxed);
            System.out.printf("node hello, start to first 200, %d runs each (median, min-max):%n", iterations);
            System.out.printf("  bare node          %6.1f ms  (%.1f-%.1f)%n", bareMedian / 1e6, min(bare) / 1e6, max(bare) / 1e6);
            System.out.printf("  full sandbox       %6.1f ms  (%.1f-%.1f)%n", sandboxMedian / 1e6, min(sandboxed) / 1e6, max(sandboxed) / 1e6);
            System.out.printf("  sandbox overhead   %+6.1f ms  (ratio %.2fx; budget +60 ms)%n", (sandboxMedian - bareMedian) / 1e6,
                    (double) sandboxMedian / bareMedian);
        }
    }

    private static long bare(HostTools tools, Path code) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        long t0 = System.nanoTime();
        ProcessBuilder pb = new ProcessBuilder(tools.node().toString(), code.resolve("index.cjs").toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        // The environment the sandbox gives an app, so that only the sandbox differs.
        pb.environment().clear();
        pb.environment().putAll(Map.of("PORT", Integer.toString(port), "HOST", "127.0.0.1", "NODE_ENV", "production",
                "PATH", "/usr/local/bin:/usr/bin:/bin", "HOME", "/tmp"));
        Process p = pb.start();
        try {
            awaitOk(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return System.nanoTime() - t0;
        } finally {
            p.destroyForcibly().waitFor();
        }
    }

    private static long sandboxed(ProcessSandboxRuntime runtime, SandboxSpec spec) throws Exception {
        long t0 = System.nanoTime();
        Sandbox sandbox = runtime.start(spec);
        try {
            awaitOk(sandbox.address());
            return System.nanoTime() - t0;
        } finally {
            sandbox.stop(Duration.ZERO);
        }
    }

    /** Polls every 1 ms until the address answers HTTP 200; the poll interval bounds the error of each sample. */
    private static void awaitOk(SocketAddress address) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            if (answers200(address)) return;
            Thread.sleep(1);
        }
        throw new IllegalStateException("no 200 from " + address + " within 20 s");
    }

    private static boolean answers200(SocketAddress address) {
        var family = address instanceof UnixDomainSocketAddress ? StandardProtocolFamily.UNIX : StandardProtocolFamily.INET;
        try (SocketChannel ch = SocketChannel.open(family)) {
            ch.connect(address);
            ch.write(ByteBuffer.wrap(GET));
            ByteBuffer head = ByteBuffer.allocate(12);
            while (head.hasRemaining()) {
                if (ch.read(head) < 0) return false;
            }
            return new String(head.array(), StandardCharsets.US_ASCII).startsWith("HTTP/1.1 200");
        } catch (IOException e) {
            return false;
        }
    }

    private static long median(List<Long> v) {
        return v.stream().sorted().toList().get(v.size() / 2);
    }

    private static long min(List<Long> v) {
        return v.stream().mapToLong(Long::longValue).min().orElseThrow();
    }

    private static long max(List<Long> v) {
        return v.stream().mapToLong(Long::longValue).max().orElseThrow();
    }
}
