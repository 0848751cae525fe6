package io.slipway.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.slipway.testing.Multipart;
import io.slipway.testing.SlipwayServerExtension;
import io.slipway.testing.SlipwayServerExtension.Token;
import io.slipway.testing.TestApps;
import io.slipway.testing.TestServer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Slipway runs one file, as users deploy it through the upload API: an upload that imports files beside it is refused
 * with how to make it one file; a file whose only module syntax is a top-level await runs as an ES module; a
 * Workers-style module ({@code export default { fetch }}) is served, with Web {@code Request}s and streamed
 * {@code Response}s.
 */
class OneFileIT {
    @RegisterExtension
    static final SlipwayServerExtension slipway = SlipwayServerExtension.withDefaults();
    static TestServer server;
    @Token("workers")
    static String token;
    /** workers.js, deployed once with {@code GREETING} in its env. */
    static String worker;

    @BeforeAll
    static void deployWorker() {
        JsonObject app = server.deploy(token, "index.js", TestApps.source("workers.js"), Map.of("env", "{\"GREETING\":\"hello from env\"}"));
        assertThat(app.getString("entry")).isEqualTo("slipway-workers-shim.mjs");
        worker = app.getString("id");
    }

    @Test
    void workersModuleAnswersCurlAndJavasHttpClient() {
        String url = server.base() + "/containers/" + worker + "/";

        assertThat(curl("-sS", "-i", url)).startsWith("HTTP/1.1 200").contains("content-type: text/plain; charset=utf-8")
                .endsWith("\r\n\r\nhello from a worker\n");
        HttpResponse<String> viaJava = server.call(worker, "/");
        assertThat(viaJava.statusCode()).isEqualTo(200);
        assertThat(viaJava.body()).isEqualTo("hello from a worker\n");
        assertThat(server.call(worker, "/nowhere").statusCode()).isEqualTo(404);
        assertThat(server.call(worker, "/later").statusCode()).isEqualTo(204);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(server.get("/api/containers/servers/" + worker + "/logs", token).body())
                .contains("[app] slipway: serving the fetch() of index.mjs's default export on 0.0.0.0:8000"));
    }

    @Test
    void workersModuleInTypescriptWithFetchDefinedElsewhereAnswers() {
        JsonObject app = server.deploy(token, "index.ts", TestApps.source("workers.ts"), Map.of());

        assertThat(app.getString("entry")).isEqualTo("slipway-workers-shim.mjs");
        HttpResponse<String> answer = server.send(HttpRequest.newBuilder(URI.create(server.base() + "/containers/" + app.getString("id") + "/typed/path"))
                .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString("x")));
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(new JsonObject(answer.body()).getMap())
                .containsExactlyInAnyOrderEntriesOf(Map.of("greeting", "hello from a typed worker", "method", "POST", "path", "/typed/path"));
    }

    @Test
    void workersModuleStreamsAPostedBodyBackWhole() {
        byte[] body = new byte[3 * 1024 * 1024];
        new Random(15).nextBytes(body);

        HttpResponse<byte[]> echoed = server.send(HttpRequest.newBuilder(URI.create(server.base() + "/containers/" + worker + "/echo"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)), HttpResponse.BodyHandlers.ofByteArray());

        assertThat(echoed.statusCode()).isEqualTo(200);
        assertThat(echoed.headers().firstValue("x-method")).contains("POST");
        assertThat(echoed.body()).isEqualTo(body);
    }

    @Test
    void workersModuleFindsTheAppsEnvInEnvAndThePublicSchemeAndHostInTheUrl() {
        JsonObject seen = new JsonObject(server.call(worker, "/env?q=1").body());

        assertThat(seen.getString("greeting")).isEqualTo("hello from env");
        assertThat(seen.getString("query")).isEqualTo("1");
        assertThat(seen.getString("url")).isEqualTo("http://127.0.0.1:" + server.base().getPort() + "/env?q=1");
    }

    @Test
    void workersModulesEventStreamArrivesEventByEvent() throws Exception {
        HttpResponse<Stream<String>> stream = server.send(HttpRequest.newBuilder(URI.create(server.base() + "/containers/" + worker + "/events"))
                .header("Accept", "text/event-stream"), HttpResponse.BodyHandlers.ofLines());
        assertThat(stream.headers().firstValue("content-type")).contains("text/event-stream");
        Iterator<String> lines = stream.body().iterator();

        // The worker sends its second event only once /release is called, so the first came while the stream was open.
        CompletableFuture<String> first = CompletableFuture.supplyAsync(lines::next);
        assertThat(first.get(20, TimeUnit.SECONDS)).isEqualTo("data: first");
        assertThat(server.call(worker, "/release").body()).isEqualTo("released\n");
        List<String> rest = new ArrayList<>();
        lines.forEachRemaining(rest::add);
        assertThat(rest).containsExactly("", "data: second", "");
    }

    /** The shim's reason, in its body, does not pass the proxy: vertx-http-proxy answers a refused upgrade with its status alone. */
    @Test
    void webSocketUpgradeToAWorkersModuleIsRefusedWith501() {
        String answer = curl("-sS", "-i", "-H", "Connection: Upgrade", "-H", "Upgrade: websocket", "-H", "Sec-WebSocket-Version: 13",
                "-H", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", server.base() + "/containers/" + worker + "/");

        assertThat(answer).startsWith("HTTP/1.1 501");
        assertThat(server.call(worker, "/").body()).isEqualTo("hello from a worker\n");
    }

    @Test
    void uploadThatImportsAFileBesideItIsRefusedAndNothingIsListed() {
        String refused = server.token("refused-local-import");

        HttpResponse<String> response = server.upload(refused, new Multipart().file("index.ts", TestApps.source("local-import.ts")));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(422);
        JsonObject problem = new JsonObject(response.body());
        assertThat(problem.getString("type")).endsWith("/problems/local-import");
        assertThat(problem.getString("detail")).isEqualTo("Slipway runs one file: index.ts imports './helper', which is not part of the "
                + "upload. Inline its code into index.ts (or publish it as a package and add it to requirements)");
        assertThat(server.get("/api/mcp-projects", refused).body()).isEqualTo("{\"projects\":[]}");
    }

    @Test
    void pythonRelativeImportIsRefusedButItsMentionInADocstringIsNot() {
        String refused = server.token("refused-relative-import");

        HttpResponse<String> response = server.upload(refused, new Multipart().file("app.py", TestApps.source("relative-import.py")));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(422);
        assertThat(new JsonObject(response.body()).getString("detail")).startsWith("Slipway runs one file: app.py imports '.helper', which is not part");
        assertThat(server.get("/api/mcp-projects", refused).body()).isEqualTo("{\"projects\":[]}");
    }

    @Test
    void localFilesMentionedInCommentsAndStringsAreNotImports() {
        JsonObject app = server.deploy(token, "index.js", TestApps.source("mentions-local-files.js"), Map.of());

        assertThat(app.getString("entry")).isEqualTo("index.cjs");
        assertThat(server.call(app.getString("id"), "/").body()).startsWith("import('./x.js') and require('./helper') are only words here");
    }

    @Test
    void fileWhoseOnlyModuleSyntaxIsATopLevelAwaitRunsAsAnEsModule() {
        JsonObject app = server.deploy(token, "index.js", TestApps.source("top-level-await.js"), Map.of());

        assertThat(app.getString("entry")).isEqualTo("index.mjs");
        HttpResponse<String> answer = server.call(app.getString("id"), "/");
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(answer.body()).isEqualTo("top-level await ran\n");
    }

    private static String curl(String... arguments) {
        List<String> command = new ArrayList<>(List.of("curl", "--max-time", "30"));
        command.addAll(List.of(arguments));
        try {
            Process curl = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(curl.waitFor()).as(output).isZero();
            return output;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
