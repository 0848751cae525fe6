package io.slipway.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.slipway.testing.Multipart;
import io.slipway.testing.SandboxProcesses;
import io.slipway.testing.SlipwayProcess;
import io.slipway.testing.TestApps;
import io.slipway.testing.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of Slipway while one app serves, one upload is half sent and another upload's build is installing its
 * packages: after a restart on the same data, each app is whole or absent, nothing of the killed run is left (no
 * code, log, upload, dependency set in the making, sandbox process or cgroup), and the app that served answers.
 */
class CrashSafetyIT {
    @TempDir
    Path work;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void kill9MidUploadAndMidBuildLeavesNoHalfMadeAppAndTheServingAppAnswersAfterARestart() throws Exception {
        TestServer.openForSandboxes(work);
        Path data = work.resolve("data");
        String serving;
        String token;
        Path buildLog;
        try (SlipwayProcess first = SlipwayProcess.up(data, Map.of())) {
            token = first.token("crashy");
            serving = first.deploy(token, "index.js", TestApps.source("hello.js"));
            assertThat(get(first, "/containers/" + serving + "/").statusCode()).isEqualTo(200);

            try (Socket halfUpload = startUpload(first, token)) {
                Multipart withPackages = new Multipart().file("index.js", TestApps.source("hello.js"))
                        .field("requirements", "express,cors,left-pad");
                CompletableFuture<HttpResponse<String>> build = http.sendAsync(HttpRequest.newBuilder(URI.create(first.base()
                        + "/api/containers/upload")).header("Authorization", "Bearer " + token).header("Content-Type", withPackages.contentType())
                        .POST(HttpRequest.BodyPublishers.ofByteArray(withPackages.bytes())).build(), HttpResponse.BodyHandlers.ofString());
                // The build's log names its app: kill the moment its package install has begun.
                buildLog = await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(10))
                        .until(() -> logMentioning(data, "npm install", serving), Optional::isPresent).orElseThrow();
                first.kill9();
                assertThat(Files.readString(buildLog)).as("killed before the build ended").doesNotContain("[slipway] deployed");
                assertThat(build).failsWithin(Duration.ofSeconds(30));
            }
        }

        try (SlipwayProcess second = SlipwayProcess.up(data, Map.of())) {
            JsonArray projects = new JsonObject(get(second, "/api/mcp-projects", token).body()).getJsonArray("projects");
            assertThat(projects).hasSize(1);
            assertThat(projects.getJsonObject(0).getString("id")).isEqualTo(serving);
            assertThat(names(data.resolve("apps"))).containsExactly(serving);
            assertThat(buildLog).as("the unfinished upload's log").doesNotExist();
            assertThat(names(data.resolve("logs"))).allMatch(n -> n.startsWith(serving) || n.equals("tools.log"));
            // tmp/ may hold this run's own esbuild install for a moment; what the killed run left there must be gone.
            await().atMost(Duration.ofMinutes(2)).untilAsserted(() -> assertThat(names(data.resolve("tmp"))).allMatch(n -> n.equals("uploads")));
            // bubblewrap outlives a kill -9: the killed run's build (npm) and sandbox were found by their label and
            // killed at this start. This run's own esbuild install, if any, is over once tmp/ is empty.
            assertThat(SandboxProcesses.countOf(data)).as("processes labelled for this data dir").isZero();
            if (Files.exists(data.resolve("tmp/uploads"))) assertThat(names(data.resolve("tmp/uploads"))).isEmpty();
            for (String set : names(data.resolve("deps/node"))) {
                assertThat(data.resolve("deps/node").resolve(set).resolve("node_modules")).as("dependency set %s is whole", set).isDirectory();
            }
            assertThat(cgroupsOf(serving)).as("the killed run's cgroups").isEmpty();

            HttpResponse<String> answer = get(second, "/containers/" + serving + "/");
            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(answer.body()).contains("hello");
        }
    }

    /** Sends an upload's head and half its body, and leaves it there. */
    private static Socket startUpload(SlipwayProcess slipway, String token) throws Exception {
        Multipart form = new Multipart().file("index.js", TestApps.source("hello.js"));
        byte[] body = form.bytes();
        URI base = URI.create(slipway.base());
        Socket socket = new Socket(base.getHost(), base.getPort());
        OutputStream out = socket.getOutputStream();
        out.write(("POST /api/containers/upload HTTP/1.1\r\nHost: " + base.getHost() + "\r\nAuthorization: Bearer " + token
                + "\r\nContent-Type: " + form.contentType() + "\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(body, 0, body.length / 2);
        out.flush();
        return socket;
    }

    private static Optional<Path> logMentioning(Path data, String text, String except) throws Exception {
        if (!Files.isDirectory(data.resolve("logs"))) return Optional.empty();
        try (Stream<Path> logs = Files.list(data.resolve("logs"))) {
            for (Path log : logs.filter(l -> !l.getFileName().toString().startsWith(except) && !l.endsWith("tools.log")).toList()) {
                if (Files.readString(log).contains(text)) return Optional.of(log);
            }
        }
        return Optional.empty();
    }

    private static List<String> names(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.map(p -> p.getFileName().toString()).toList();
        }
    }

    /** The app's cgroup directories, v1 (one per controller) or v2. */
    private static List<Path> cgroupsOf(String appId) throws Exception {
        List<Path> found = new java.util.ArrayList<>();
        for (Path root : List.of(Path.of("/sys/fs/cgroup"), Path.of("/sys/fs/cgroup/memory"), Path.of("/sys/fs/cgroup/pids"),
                Path.of("/sys/fs/cgroup/cpu"))) {
            if (!Files.isDirectory(root)) continue;
            try (Stream<Path> groups = Files.list(root)) {
                groups.filter(g -> g.getFileName().toString().startsWith("slipway-")).map(g -> g.resolve(appId))
                        .filter(Files::isDirectory).forEach(found::add);
            }
        }
        return found;
    }

    private HttpResponse<String> get(SlipwayProcess slipway, String path) throws Exception {
        return get(slipway, path, null);
    }

    private HttpResponse<String> get(SlipwayProcess slipway, String path, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(slipway.base() + path)).timeout(Duration.ofSeconds(60));
        if (token != null) request.header("Authorization", "Bearer " + token);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
