package io.slipway.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

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
