package io.slipway.runtime.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.slipway.api.BuildFileTransfers;
import io.slipway.app.Language;
import io.slipway.artifacts.ArtifactTokens;
import io.slipway.artifacts.BuildTransfers;
import io.slipway.runtime.BuildStep;
import io.slipway.runtime.RemoteBuildFiles;
import io.slipway.testing.RecordingLogSink;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a build pod's container runs ({@code run-build-step.js}, {@code run_build_step.py}), run here with this host's
 * node and python3 against Slipway's real build-file endpoint ({@link BuildFileTransfers} on Vert.x): a step that exits
 * 0 has its work directory uploaded whole, long paths (PAX), modes and an absolute symbolic link (a venv's) included;
 * a step that fails uploads nothing and the helper exits with its code.
 */
class BuildStepHelpersIT {
    private static final String LONG = "a-directory-whose-name-is-long-enough-that-ustar-cannot-hold-it-".repeat(2);
    private static Vertx vertx;
    private static BuildTransfers transfers;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        Router router = Router.router(vertx);
        AtomicReference<URI> base = new AtomicReference<>();
        transfers = new BuildTransfers(new ArtifactTokens("a secret of the test".getBytes(StandardCharsets.UTF_8), Clock.systemUTC()), base::get,
                Optional.empty());
        new BuildFileTransfers(transfers).install(router);
        HttpServer server = vertx.createHttpServer().requestHandler(router).listen(0).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        base.set(URI.create("http://127.0.0.1:" + server.actualPort()));
    }

    @AfterAll
    static void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @ParameterizedTest
    @ValueSource(strings = {"node", "python"})
    void aStepThatExitsZeroHasItsWorkDirectoryUploadedWhole(String helper) throws Exception {
        Path work = Files.createDirectories(dir.resolve(helper + "-ok"));
        String script = "mkdir -p deep/" + LONG + " && printf hello > deep/" + LONG + "/file && chmod 750 deep/" + LONG + "/file"
                + " && ln -s /usr/bin/python3 python && echo step ran";
        try (RemoteBuildFiles.Transfer transfer = transfers.open(step(work, script), 1 << 20, Duration.ofMinutes(1))) {
            Process process = run(helper, transfer, work, script);

            assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(process.exitValue()).as(output(process)).isZero();
            assertThat(transfer.outputArrived()).isTrue();
        }
        Path file = work.resolve("deep").resolve(LONG).resolve("file");
        assertThat(Files.readString(file)).isEqualTo("hello");
        assertThat(Files.getPosixFilePermissions(file)).extracting(Enum::name).contains("OWNER_EXECUTE", "GROUP_EXECUTE");
        assertThat(Files.readSymbolicLink(work.resolve("python"))).isEqualTo(Path.of("/usr/bin/python3"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"node", "python"})
    void aStepThatFailsUploadsNothingAndItsCodeIsTheHelpers(String helper) throws Exception {
        Path work = Files.createDirectories(dir.resolve(helper + "-fails"));
        String script = "echo failing >&2; touch made; exit 3";
        try (RemoteBuildFiles.Transfer transfer = transfers.open(step(work, script), 1 << 20, Duration.ofMinutes(1))) {
            Process process = run(helper, transfer, work, script);

            assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(process.exitValue()).isEqualTo(3);
            assertThat(output(process)).contains("failing");
            assertThat(transfer.outputArrived()).isFalse();
        }
    }

    private static BuildStep step(Path work, String script) {
        return new BuildStep("sh -c", Language.NODE, List.of("/bin/sh", "-c", script), work, Map.of("PATH", "/usr/bin:/bin"), List.of(), false,
                new RecordingLogSink(), Duration.ofMinutes(1));
    }

    private static Process run(String helper, RemoteBuildFiles.Transfer transfer, Path work, String script) throws IOException {
        List<String> command = helper.equals("node") ? List.of("/usr/bin/node", "-e", AppObjects.resource("run-build-step.js"))
                : List.of("/usr/bin/python3", "-c", AppObjects.resource("run_build_step.py"));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).directory(work.toFile());
        pb.environment().clear();
        pb.environment().putAll(Map.of("SLIPWAY_GRANT", transfer.grant(), "SLIPWAY_OUTPUT", transfer.output().toString(),
                "SLIPWAY_WORKDIR", work.toString(), "SLIPWAY_STEP", new JsonObject(Map.of("command", List.of("/bin/sh", "-c", script),
                        "env", Map.of("PATH", "/usr/bin:/bin"))).encode()));
        return pb.start();
    }

    private static String output(Process process) throws IOException {
        return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
}
