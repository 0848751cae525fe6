import io.slipway.app.DataDir;
import io.slipway.app.FileTrees;
import io.slipway.app.Language;
import io.slipway.artifacts.LocalArtifactStore;
import io.slipway.config.SlipwayConfig;
import io.slipway.config.SlipwayConfig.SandboxSettings;
import io.slipway.logs.FileLogSink;
import io.slipway.runtime.Artifact;
import io.slipway.runtime.Layer;
import io.slipway.runtime.NetworkPolicy;
import io.slipway.runtime.Sandbox;
import io.slipway.runtime.SandboxLimits;
import io.slipway.runtime.SandboxRuntime;
import io.slipway.runtime.SandboxSpec;
import io.slipway.runtime.docker.DockerSandboxRuntime;
import io.slipway.runtime.docker.DockerSettings;
import io.slipway.runtime.host.HostUids;
import io.slipway.runtime.process.ProcessSandboxRuntime;
import io.slipway.runtime.host.UidClaims;
import io.slipway.sandbox.HostTools;
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
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Start to first 200 of a node hello app, three ways, taking turns in one run on this machine: bare {@code node} on
 * loopback; the process runtime's sandbox (setpriv + bubblewrap namespaces, its own network joined by a veth pair,
 * cgroup limits); and the docker runtime's container, on a podman service the bench starts for itself (its base image
 * and the app's image are made by a first start, timed apart, before the turns).
 *
 * <p>Run: {@code bench/sandbox-start [iterations]} (needs root, bubblewrap, podman, runc and a built target/slipway.jar).
 */
public class SandboxStartBench {
    private static final String HELLO = "require('http').createServer((q, s) => s.end('ok')).listen(Number(process.env.PORT), process.env.HOST);\n";
    private static final byte[] GET = "GET / HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final String APP = "bench";

    public static void main(String[] args) throws Exception {
        int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        Path root = Files.createTempDirectory(Path.of("/tmp"), "slipway-bench-");
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx--x--x"));
        try {
            run(root, iterations);
        } finally {
            UidClaims.machineWide(root.resolve("process")).releaseAll();
            FileTrees.deleteQuietly(root);
        }
    }

    private static void run(Path root, int iterations) throws Exception {
        HostTools tools = HostTools.find();
        // A data dir per runtime: each labels its network's firewall chains (and the docker runtime its containers) by it.
        DataDir processDir = dataDir(root.resolve("process"));
        DataDir dockerDir = dataDir(root.resolve("docker"));
        SandboxSettings settings = SlipwayConfig.defaults(processDir.root()).sandbox();
        try (Podman podman = Podman.start(root.resolve("podman"));
             ProcessSandboxRuntime process = new ProcessSandboxRuntime(tools, processDir, settings, new LocalArtifactStore(processDir)::directory,
                     HostUids.open(processDir, settings));
             DockerSandboxRuntime docker = new DockerSandboxRuntime(DockerSettings.of(podman.host()), settings, dockerDir,
                     new LocalArtifactStore(dockerDir), tools)) {
            SandboxSpec processSpec = spec(processDir);
            SandboxSpec dockerSpec = spec(dockerDir);
            Path bareCode = processDir.app(APP).resolve("code").resolve("index.js");

            long firstContainer = sandboxed(docker, dockerSpec);
            // One warm-up of the others, then turns, so that all three see the same machine state.
            bare(tools, bareCode);
            sandboxed(process, processSpec);
            List<Long> bare = new ArrayList<>(), sandboxed = new ArrayList<>(), containers = new ArrayList<>();
            for (int i = 0; i < iterations; i++) {
                bare.add(bare(tools, bareCode));
                sandboxed.add(sandboxed(process, processSpec));
                containers.add(sandboxed(docker, dockerSpec));
            }
            long b = median(bare);
            System.out.printf("node hello, start to first 200, %d runs each, taking turns (median, min-max); %s%n", iterations, loadAverage());
            System.out.printf("  bare node          %6.1f ms  (%.1f-%.1f)%n", b / 1e6, min(bare) / 1e6, max(bare) / 1e6);
            System.out.printf("  process sandbox    %6.1f ms  (%.1f-%.1f)  = bare %+6.1f ms, %.2fx (budget +60 ms)%n", median(sandboxed) / 1e6,
                    min(sandboxed) / 1e6, max(sandboxed) / 1e6, (median(sandboxed) - b) / 1e6, (double) median(sandboxed) / b);
            System.out.printf("  docker container   %6.1f ms  (%.1f-%.1f)  = bare %+6.1f ms, %.2fx   [%s]%n", median(containers) / 1e6,
                    min(containers) / 1e6, max(containers) / 1e6, (median(containers) - b) / 1e6, (double) median(containers) / b, docker.engine());
            System.out.printf("  docker's first start, its base image and the app's image made: %.0f ms (not in the turns)%n", firstContainer / 1e6);
        }
    }

    /** A data dir that the sandboxes' uids can traverse, with the hello app's code in it. */
    private static DataDir dataDir(Path root) throws IOException {
        DataDir dir = new DataDir(root);
        Path code = Files.createDirectories(dir.app(APP).resolve("code"));
        for (Path p = code.getParent(); p.startsWith(root); p = p.getParent()) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx--x--x"));
        }
        Files.writeString(code.resolve("index.js"), HELLO);
        Files.createDirectories(dir.logs());
        return dir;
    }

    /** The default plan's limits, no network beyond the proxy's link: what a deployed app gets. */
    private static SandboxSpec spec(DataDir dir) throws Exception {
        var config = SlipwayConfig.defaults(dir.root());
        var plan = config.plan(null);
        String digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(HELLO.getBytes(StandardCharsets.UTF_8)));
        Artifact artifact = new Artifact(Language.NODE, "index.js", Layer.of(Layer.Kind.CODE, digest), Optional.empty());
        return new SandboxSpec(APP, artifact, Map.of(), new SandboxLimits(plan.memory(), config.sandbox().pids(), plan.cpus()),
                NetworkPolicy.ISOLATED, Map.of(), new FileLogSink(dir.appLog(APP), 1 << 20, APP));
    }

    private static long bare(HostTools tools, Path code) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        long t0 = System.nanoTime();
        ProcessBuilder pb = new ProcessBuilder(tools.node().toString(), code.toString())
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

    private static long sandboxed(SandboxRuntime runtime, SandboxSpec spec) throws Exception {
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

    /** What else the machine was doing: the 1, 5 and 15 minute load averages. */
    static String loadAverage() throws IOException {
        String[] load = Files.readString(Path.of("/proc/loadavg")).split(" ");
        return "load average " + load[0] + " " + load[1] + " " + load[2];
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
