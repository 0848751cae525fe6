package io.slipway.runtime.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.slipway.api.ArtifactDownloads;
import io.slipway.artifacts.ArtifactTokens;
import io.slipway.artifacts.LayerDownloads;
import io.slipway.artifacts.Tar;
import io.slipway.runtime.Layer;
import io.slipway.testing.Commands;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a pod's init container runs, run here with this host's node and python3 against Slipway's real artifact
 * endpoint ({@link ArtifactDownloads} on Vert.x, serving a layer through {@link Tar}): the layer arrives whole, with its
 * modes, symbolic links (a venv's absolute one among them), long paths and modification times; a wrong grant is
 * refused with the endpoint's reason and the script exits non-zero, as the kubelet then reports.
 */
class LayerFetchIT {
    private static final byte[] SECRET = "thirty-two bytes of secret, at least, for tests".getBytes(StandardCharsets.UTF_8);
    private static final Layer LAYER = Layer.of(Layer.Kind.DEPENDENCIES, "e".repeat(64));
    private static final String LONG = "node_modules/" + "deeply-nested-package-name/".repeat(5) + "index.js";
    private static final Instant MTIME = Instant.parse("2024-05-01T10:00:00Z");
    private static Vertx vertx;
    private static HttpServer server;
    private static Path layer;
    private static ArtifactTokens tokens;

    @BeforeAll
    static void serveALayer() throws Exception {
        layer = Files.createTempDirectory("layer-");
        Files.createDirectories(layer.resolve("bin"));
        Files.writeString(layer.resolve("a.txt"), "hello layer\n");
        Path run = Files.writeString(layer.resolve("bin/run"), "#!/bin/sh\necho run\n");
        Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createSymbolicLink(layer.resolve("bin/link"), Path.of("../a.txt"));
        Files.createSymbolicLink(layer.resolve("bin/python"), Path.of("/usr/bin/python3"));
        Files.createDirectories(layer.resolve(LONG).getParent());
        Files.writeString(layer.resolve(LONG), "module.exports = 42;\n");
        Files.setLastModifiedTime(layer.resolve("a.txt"), FileTime.from(MTIME));
        byte[] big = new byte[3 * 1024 * 1024 + 17];
        new java.util.Random(7).nextBytes(big);
        Files.write(layer.resolve("big.bin"), big);
        tokens = new ArtifactTokens(SECRET, Clock.systemUTC());
        vertx = Vertx.vertx();
        Router router = Router.router(vertx);
        router.get(LayerDownloads.ROUTE).handler(new ArtifactDownloads(tokens, (appId, l, out) -> {
            if (!l.equals(LAYER)) throw new IllegalArgumentException("no layer " + l.digest());
            Tar.write(layer, out);
        }));
        server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await();
    }

    @AfterAll
    static void stop() throws IOException {
        if (vertx != null) vertx.close().await();
        if (layer != null) Commands.run(List.of("rm", "-rf", layer.toString()), Path.of("/"), Duration.ofSeconds(10));
    }

    private static List<String> command(String interpreter) throws IOException {
        String resource = interpreter.equals("node") ? "fetch-layers.js" : "fetch_layers.py";
        try (InputStream in = AppObjects.class.getResourceAsStream(resource)) {
            String script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return interpreter.equals("node") ? List.of("node", "-e", script) : List.of("python3", "-c", script);
        }
    }

    private static Commands.Result fetch(String interpreter, String grant, Path into) throws IOException {
        URI url = new LayerDownloads(tokens, () -> URI.create("http://127.0.0.1:" + server.actualPort())).url("app1", LAYER);
        return Commands.run(command(interpreter), into, Map.of("SLIPWAY_GRANT", grant, "SLIPWAY_LAYERS", url + " " + into + "\n"),
                Duration.ofSeconds(30));
    }

    @ParameterizedTest
    @ValueSource(strings = {"node", "python3"})
    void theLayerArrivesWholeWithItsModesLinksLongPathsAndTimes(String interpreter) throws IOException {
        Path into = Files.createTempDirectory("fetched-");
        try {
            var result = fetch(interpreter, tokens.grant("app1", List.of(LAYER), Duration.ofMinutes(1)), into);

            assertThat(result.exitCode()).as("%s / %s", result.stdout(), result.stderr()).isZero();
            assertThat(result.stdout()).contains("fetched ");
            assertThat(Files.readString(into.resolve("a.txt"))).isEqualTo("hello layer\n");
            assertThat(Files.getLastModifiedTime(into.resolve("a.txt")).toInstant()).isEqualTo(MTIME);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(into.resolve("bin/run")))).isEqualTo("rwxr-xr-x");
            assertThat(Files.readSymbolicLink(into.resolve("bin/link"))).isEqualTo(Path.of("../a.txt"));
            assertThat(Files.readSymbolicLink(into.resolve("bin/python"))).isEqualTo(Path.of("/usr/bin/python3"));
            assertThat(Files.readString(into.resolve(LONG))).isEqualTo("module.exports = 42;\n");
            assertThat(Files.mismatch(into.resolve("big.bin"), layer.resolve("big.bin"))).isEqualTo(-1L);
            assertThat(Files.isSymbolicLink(into.resolve("bin/link")) && Files.exists(into.resolve("bin/link"), LinkOption.NOFOLLOW_LINKS)).isTrue();
        } finally {
            Commands.run(List.of("rm", "-rf", into.toString()), Path.of("/"), Duration.ofSeconds(10));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"node", "python3"})
    void aGrantForAnotherAppIsRefusedAndTheFetchFailsSayingWhy(String interpreter) throws IOException {
        Path into = Files.createTempDirectory("refused-");
        try {
            var result = fetch(interpreter, tokens.grant("app2", List.of(LAYER), Duration.ofMinutes(1)), into);

            assertThat(result.exitCode()).isNotZero();
            assertThat(result.stderr()).contains("403", "does not name this layer");
            try (var files = Files.list(into)) {
                assertThat(files).as("nothing written").isEmpty();
            }
        } finally {
            Commands.run(List.of("rm", "-rf", into.toString()), Path.of("/"), Duration.ofSeconds(10));
        }
    }
}
