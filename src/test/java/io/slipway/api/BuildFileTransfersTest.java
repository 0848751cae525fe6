package io.slipway.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.slipway.app.Language;
import io.slipway.artifacts.ArtifactTokens;
import io.slipway.artifacts.BuildTransfers;
import io.slipway.artifacts.Tar;
import io.slipway.runtime.BuildStep;
import io.slipway.runtime.RemoteBuildFiles;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The build pods' file transfers over real HTTP ({@code /internal/builds/{step}/…} on a Vert.x server on port 0): a
 * step's work directory downloads as a tar and its upload replaces the work directory's content; an upload that leaves
 * the directory, writes through a link, is too large, or comes with a wrong, expired or missing grant is answered with
 * a 4xx problem and nothing of it is written.
 */
class BuildFileTransfersTest {
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    private static final AtomicReference<Instant> NOW = new AtomicReference<>(Instant.parse("2026-12-02T06:00:00Z"));
    private static final ArtifactTokens GRANTS = new ArtifactTokens("a secret of the test".getBytes(StandardCharsets.UTF_8), NOW::get);
    private static Vertx vertx;
    private static HttpServer server;
    private static BuildTransfers transfers;

    @TempDir
    Path dir;
    Path workDir;
    RemoteBuildFiles.Transfer transfer;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        Router router = Router.router(vertx);
        AtomicReference<URI> base = new AtomicReference<>();
        transfers = new BuildTransfers(GRANTS, base::get);
        new BuildFileTransfers(transfers).install(router);
        server = vertx.createHttpServer().requestHandler(router).listen(0).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        base.set(URI.create("http://127.0.0.1:" + server.actualPort()));
    }

    @AfterAll
    static void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @BeforeEach
    void openStep() throws IOException {
        workDir = Files.createDirectories(dir.resolve("work"));
        Files.writeString(workDir.resolve("package.json"), "{}");
        transfer = transfers.open(new BuildStep("npm install x", Language.NODE, List.of("npm", "install"), workDir, Map.of(), List.of(), false,
                new io.slipway.testing.RecordingLogSink(), Duration.ofMinutes(1)), 64 * 1024, Duration.ofMinutes(5));
    }

    @Test
    void theWorkDirectoryDownloadsAsATarWithTheStepsGrant() throws Exception {
        HttpResponse<byte[]> answer = CLIENT.send(HttpRequest.newBuilder(transfer.inputs().getFirst()).header("Authorization", "Bearer " + transfer.grant())
                .build(), HttpResponse.BodyHandlers.ofByteArray());

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(new String(answer.body(), StandardCharsets.UTF_8)).contains("package.json").contains("{}");
    }

    @Test
    void anUploadReplacesTheWorkDirectorysContent() throws Exception {
        byte[] tar = tar(t -> t.directory("node_modules", 0755).file("node_modules/x/index.js", "module.exports = 1".getBytes(), 0644)
                .symlink("bin", "/usr/bin").file("package.json", "{\"new\":true}".getBytes(), 0644));

        HttpResponse<String> answer = put(transfer.grant(), tar);

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(204);
        assertThat(transfer.outputArrived()).isTrue();
        assertThat(Files.readString(workDir.resolve("node_modules/x/index.js"))).isEqualTo("module.exports = 1");
        assertThat(Files.readString(workDir.resolve("package.json"))).isEqualTo("{\"new\":true}");
        assertThat(Files.readSymbolicLink(workDir.resolve("bin"))).isEqualTo(Path.of("/usr/bin"));
        assertThat(siblings()).containsExactly("work");
        assertThat(put(transfer.grant(), tar).statusCode()).as("a second upload").isEqualTo(409);
    }

    @Test
    void aPathThatLeavesTheDirectoryIsRefusedAndNothingIsWritten() throws Exception {
        HttpResponse<String> answer = put(transfer.grant(), tar(t -> t.file("ok.txt", "ok".getBytes(), 0644).file("../escaped", "x".getBytes(), 0644)));

        assertRefused(answer, 422, "output-refused");
        assertThat(answer.body()).contains("leaves the directory");
    }

    @Test
    void writingThroughASymbolicLinkIsRefused() throws Exception {
        Path outside = Files.createDirectories(dir.resolve("outside"));
        HttpResponse<String> answer = put(transfer.grant(), tar(t -> t.symlink("link", outside.toString()).file("link/planted", "x".getBytes(), 0644)));

        assertRefused(answer, 422, "output-refused");
        try (Stream<Path> planted = Files.list(outside)) {
            assertThat(planted).isEmpty();
        }
    }

    @Test
    void anUploadLargerThanTheBoundIsRefused() throws Exception {
        HttpResponse<String> answer = put(transfer.grant(), tar(t -> t.file("big", new byte[128 * 1024], 0644)));

        assertRefused(answer, 413, "output-too-large");
    }

    @Test
    void aMissingOtherOrExpiredGrantOpensNothing() throws Exception {
        byte[] tar = tar(t -> t.file("planted", "x".getBytes(), 0644));
        assertRefused(put(null, tar), 401, "invalid-grant");
        assertRefused(put("not-a-grant", tar), 401, "invalid-grant");
        assertRefused(put(GRANTS.grantStep("another-step", Duration.ofMinutes(5)), tar), 403, "not-granted");
        String expiring = GRANTS.grantStep(transfer.id(), Duration.ofSeconds(30));
        NOW.updateAndGet(now -> now.plusSeconds(31));
        assertRefused(put(expiring, tar), 401, "invalid-grant");
        transfer.close();
        assertRefused(put(transfer.grant(), tar), 404, "no-such-step");
    }

    private void assertRefused(HttpResponse<String> answer, int status, String slug) throws IOException {
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(status);
        assertThat(answer.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(new JsonObject(answer.body()).getString("type")).endsWith("/" + slug);
        assertThat(transfer.outputArrived()).isFalse();
        try (Stream<Path> content = Files.list(workDir)) {
            assertThat(content.map(p -> p.getFileName().toString())).containsExactly("package.json");
        }
        assertThat(Files.readString(workDir.resolve("package.json"))).isEqualTo("{}");
        assertThat(siblings()).as("no staging left, nothing beside the work directory").containsExactly("work");
    }

    private List<String> siblings() throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.map(p -> p.getFileName().toString()).filter(n -> !n.equals("outside")).toList();
        }
    }

    private HttpResponse<String> put(String grant, byte[] tar) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(transfer.output()).PUT(HttpRequest.BodyPublishers.ofByteArray(tar));
        if (grant != null) request.header("Authorization", "Bearer " + grant);
        return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    interface Entries {
        void add(Tar tar) throws IOException;
    }

    private static byte[] tar(Entries entries) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Tar tar = Tar.to(out);
        entries.add(tar);
        tar.finish();
        return out.toByteArray();
    }
}
