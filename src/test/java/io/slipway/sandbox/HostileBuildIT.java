package io.slipway.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.slipway.config.SlipwayConfig;
import io.slipway.testing.Multipart;
import io.slipway.testing.TestApps;
import io.slipway.testing.TestServer;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Install scripts are hostile too: a Python source package whose {@code setup.py} runs during {@code pip install}
 * tries to reach Slipway and a host service, read Slipway's secret and write the system, and reports what it got.
 */
class HostileBuildIT {
    @Test
    void installScriptReachesNeitherSlipwayNorTheHostNorItsFiles(@TempDir Path dataDir, @TempDir Path packages) throws IOException {
        Files.setPosixFilePermissions(packages, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (ServerSocket hostService = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
             TestServer server = TestServer.start(dataDir, c -> c.withBuild(c.build().withPipFindLinks(packages.toString())))) {
            writeSdist(packages, setupPy(server.base().getPort(), hostService.getLocalPort(), dataDir));

            HttpResponse<String> response = server.upload(server.token("mallory"), new Multipart()
                    .file("app.py", TestApps.source("hello.py")).field("requirements", "slipway-evil==1.0"));

            assertThat(response.statusCode()).isEqualTo(422);
            String log = new JsonObject(response.body()).getString("logTail");
            assertThat(log).contains("SLIPWAY-PROBE").contains("slipway=DENIED").contains("host-service=DENIED")
                    .contains("secret=DENIED").contains("write-usr=DENIED").doesNotContain("=ALLOWED");
        }
    }

    /**
     * An install script that tries to exhaust the machine: a child that touches 3 GiB, processes until fork fails, a
     * /tmp filled until it is full, and 4 MiB of output (pip holds a failed script's output and renders it, which takes
     * memory of its own; the build's 512 MiB leave room for that). Each meets the build's own limit, and the log never holds much
     * more than twice its cap while the build runs.
     */
    @Test
    void installScriptThatTriesToExhaustTheMachineMeetsTheBuildsLimits(@TempDir Path dataDir, @TempDir Path packages) throws Exception {
        Files.setPosixFilePermissions(packages, PosixFilePermissions.fromString("rwxr-xr-x"));
        Map<String, String> keys = Map.of("build.memory", "512MiB", "build.pids", "64", "build.tmpSize", "32MiB", "sandbox.logSize", "1MiB");
        SlipwayConfig config = TestServer.config(dataDir, keys);
        try (TestServer server = TestServer.start(config.withBuild(config.build().withPipFindLinks(packages.toString())))) {
            writeSdist(packages, EXHAUSTING_SETUP_PY);
            AtomicLong largestLog = new AtomicLong();
            AtomicBoolean building = new AtomicBoolean(true);
            Thread sampler = Thread.ofVirtual().start(() -> {
                while (building.get()) {
                    largestLog.accumulateAndGet(logBytes(dataDir.resolve("logs")), Math::max);
                    java.util.concurrent.locks.LockSupport.parkNanos(5_000_000); // a sampling interval, not a wait for a condition
                }
            });

            HttpResponse<String> response = server.upload(server.token("mallory"), new Multipart()
                    .file("app.py", TestApps.source("hello.py")).field("requirements", "slipway-evil==1.0"));
            building.set(false);
            sampler.join();

            assertThat(response.statusCode()).isEqualTo(422);
            String log = new JsonObject(response.body()).getString("logTail");
            Matcher probe = Pattern.compile("SLIPWAY-PROBE memory=(-?\\d+) forks=(\\d+) tmp-mb=(\\d+)").matcher(log);
            assertThat(probe.find()).as(log).isTrue();
            assertThat(Integer.parseInt(probe.group(1))).as("the 3 GiB child's exit: killed (SIGKILL) by the OOM killer").isEqualTo(-9);
            assertThat(Integer.parseInt(probe.group(2))).as("processes started before fork failed").isLessThan(64);
            assertThat(Integer.parseInt(probe.group(3))).as("MiB written to /tmp before it was full").isLessThanOrEqualTo(32);
            assertThat(largestLog.get()).as("the log's largest size while building (cap 1 MiB, rotated once past it)")
                    .isLessThanOrEqualTo(2 * (1 << 20) + 256 * 1024);
            assertThat(log).contains("[build]");
        }
    }

    /** The size of every log in {@code dir} together (the log and the one before its last rotation). */
    private static long logBytes(Path dir) {
        try (var files = Files.list(dir)) {
            return files.mapToLong(f -> f.toFile().length()).sum();
        } catch (IOException e) {
            return 0;
        }
    }

    private static final String EXHAUSTING_SETUP_PY = """
            import subprocess, sys
            toucher = "b = bytearray(3 << 30)\\nfor i in range(0, len(b), 4096): b[i] = 1"
            memory = subprocess.run([sys.executable, "-c", toucher]).returncode
            children = []
            try:
                for i in range(1000):
                    children.append(subprocess.Popen(["/bin/sleep", "60"]))
            except OSError:
                pass
            forks = len(children)
            for child in children:
                child.kill()
            mb = 0
            try:
                with open("/tmp/fill", "wb") as f:
                    while mb < 4096:
                        f.write(b"x" * (1 << 20))
                        f.flush()
                        mb += 1
            except OSError:
                pass
            line = "y" * 1000 + "\\n"
            for i in range(4 * 1024):
                sys.stdout.write(line)
            sys.stdout.flush()
            print("SLIPWAY-PROBE memory=%d forks=%d tmp-mb=%d" % (memory, forks, mb), file=sys.stderr)
            sys.exit(1)
            """;

    private static String setupPy(int slipwayPort, int hostPort, Path dataDir) {
        return """
                import socket, sys
                results = []
                def probe(name, attempt):
                    try:
                        attempt()
                        results.append(name + "=ALLOWED")
                    except Exception as e:
                        results.append(name + "=DENIED:" + type(e).__name__)
                probe("slipway", lambda: socket.create_connection(("127.0.0.1", %d), 2).close())
                probe("host-service", lambda: socket.create_connection(("127.0.0.1", %d), 2).close())
                probe("secret", lambda: open("%s/secrets/jwt.key").read())
                probe("write-usr", lambda: open("/usr/pwned", "w").write("x"))
                print("SLIPWAY-PROBE " + " ".join(results), file=sys.stderr)
                sys.exit(1)
                """.formatted(slipwayPort, hostPort, dataDir);
    }

    /** A source distribution with only a setup.py, which pip runs (legacy, no build isolation) at install time. */
    private static void writeSdist(Path dir, String setupPy) throws IOException {
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        addTarEntry(tar, "slipway_evil-1.0/setup.py", setupPy.getBytes(StandardCharsets.UTF_8));
        addTarEntry(tar, "slipway_evil-1.0/PKG-INFO", "Metadata-Version: 1.0\nName: slipway-evil\nVersion: 1.0\n".getBytes(StandardCharsets.UTF_8));
        tar.write(new byte[1024]);
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(dir.resolve("slipway_evil-1.0.tar.gz")))) {
            out.write(tar.toByteArray());
        }
    }

    /** One ustar entry: a 512-byte header, then the content padded to 512 bytes. */
    private static void addTarEntry(ByteArrayOutputStream tar, String name, byte[] content) {
        byte[] header = new byte[512];
        put(header, 0, name);
        put(header, 100, "0000644");
        put(header, 108, "0000000");
        put(header, 116, "0000000");
        put(header, 124, String.format("%011o", content.length));
        put(header, 136, String.format("%011o", 1_700_000_000L));
        header[156] = '0';
        put(header, 257, "ustar");
        put(header, 263, "00");
        for (int i = 148; i < 156; i++) header[i] = ' ';
        int sum = 0;
        for (byte b : header) sum += b & 0xff;
        put(header, 148, String.format("%06o", sum));
        header[154] = 0;
        tar.writeBytes(header);
        tar.writeBytes(content);
        tar.writeBytes(new byte[(512 - content.length % 512) % 512]);
    }

    private static void put(byte[] header, int offset, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(bytes, 0, header, offset, bytes.length);
    }
}
