package io.slipway.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.slipway.testing.RawHttp;
import java.io.IOException;
import java.io.UncheckedIOException;
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
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Slipway's server for Workers-style modules, run by a real node on a port of its choosing, called over real HTTP. */
class WorkersShimTest {
    private static final Pattern PORT = Pattern.compile(" on 127\\.0\\.0\\.1:(\\d+)$");
    private static final String WORKER = """
            import { fileURLToPath } from "node:url";
            export default {
              async fetch(request, env, ctx) {
                const url = new URL(request.url);
                if (url.pathname === "/throw") throw new Error("boom in fetch");
                if (url.pathname === "/not-a-response") return "just text";
                if (url.pathname === "/main") return new Response(process.argv[1] === fileURLToPath(import.meta.url) ? "main" : "not main");
                if (url.pathname === "/cookies") {
                  const headers = new Headers();
                  headers.append("set-cookie", "a=1");
                  headers.append("set-cookie", "b=2");
                  return new Response("two cookies", { headers });
                }
                if (url.pathname === "/later") {
                  ctx.waitUntil(new Promise((resolve) => setTimeout(resolve, 200)).then(() => console.log("waitUntil done")));
                  return new Response("later");
                }
                return Response.json({ method: request.method, url: request.url, header: request.headers.get("x-test"),
                  body: await request.text(), greeting: env.GREETING });
              },
            };
            """;

    @TempDir
    Path code;
    @TempDir
    Path logs;
    private Path log;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Process node;

    @AfterEach
    void stopNode() {
        if (node != null) node.destroyForcibly();
    }

    @Test
    void fetchGetsAWebRequestWithMethodUrlHeadersBodyAndTheEnvironment() {
        int port = serve(WORKER);

        HttpResponse<String> answer = send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/some/path?q=1"))
                .header("X-Test", "seen").header("X-Forwarded-Proto", "https").header("X-Forwarded-Host", "apps.example")
                .POST(HttpRequest.BodyPublishers.ofString("posted")));

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.body()).isEqualTo("{\"method\":\"POST\",\"url\":\"https://apps.example/some/path?q=1\",\"header\":\"seen\","
                + "\"body\":\"posted\",\"greeting\":\"hello\"}");
    }

    /** A request path that begins with two slashes is a path: it never makes request.url name another host. */
    @Test
    void aPathWithTwoLeadingSlashesStaysAPathOfTheAppsOwnHost() {
        int port = serve(WORKER);

        HttpResponse<String> answer = send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "//evil.example/x"))
                .header("X-Forwarded-Proto", "https").header("X-Forwarded-Host", "apps.example").GET());

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.body()).contains("\"url\":\"https://apps.example//evil.example/x\"");
    }

    @Test
    void aFetchThatThrowsOrAnswersNoResponseIsA500SaidInTheLog() {
        int port = serve(WORKER);

        HttpResponse<String> thrown = get(port, "/throw");
        HttpResponse<String> notResponse = get(port, "/not-a-response");

        assertThat(thrown.statusCode()).isEqualTo(500);
        assertThat(thrown.body()).isEqualTo("Internal Server Error\n");
        assertThat(notResponse.statusCode()).isEqualTo(500);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(output())
                .anyMatch(l -> l.startsWith("slipway: fetch() failed for GET /throw: Error: boom in fetch"))
                .anyMatch(l -> l.contains("fetch() returned string, not a Response")));
    }

    @Test
    void headersKeepEverySetCookieAndTheModuleSeesItselfAsMain() {
        int port = serve(WORKER);

        assertThat(get(port, "/cookies").headers().allValues("set-cookie")).containsExactly("a=1", "b=2");
        assertThat(get(port, "/main").body()).isEqualTo("main");
    }

    @Test
    void aWebSocketUpgradeIsRefusedWith501SayingWhy() {
        int port = serve(WORKER);

        RawHttp.Answer answer = RawHttp.exchange(URI.create("http://127.0.0.1:" + port), "GET / HTTP/1.1\r\nHost: x\r\n"
                + "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
                Duration.ofSeconds(10));

        assertThat(answer.status()).isEqualTo(501);
        assertThat(answer.body()).contains("WebSocketPair and 101 answers are not supported");
    }

    @Test
    void sigtermLetsWhatWasGivenToWaitUntilFinishThenExitsCleanly() throws InterruptedException {
        int port = serve(WORKER);
        assertThat(get(port, "/later").body()).isEqualTo("later");

        node.destroy();

        assertThat(node.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(node.exitValue()).isZero();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(output()).contains("waitUntil done"));
    }

    @Test
    void aModuleThatListensOnPortItselfIsLeftToServe() {
        start("""
                import http from "node:http";
                const server = http.createServer((req, res) => res.end("its own server"));
                server.listen(Number(process.env.PORT), process.env.HOST, () => console.log(`own server on 127.0.0.1:${server.address().port}`));
                export default { fetch() { return new Response("Slipway's server"); } };
                """);
        int port = awaitPort();

        assertThat(get(port, "/").body()).isEqualTo("its own server");
        assertThat(output()).contains("slipway: index.mjs listens on $PORT itself; its default export is not served by Slipway");
    }

    @Test
    void aDefaultExportWithoutFetchIsSaidInTheLog() throws InterruptedException {
        start("export default { hello: 1 };\n");

        assertThat(node.waitFor(10, TimeUnit.SECONDS)).isTrue();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(output()).contains("slipway: the default export of index.mjs "
                + "has no fetch(request, env, ctx) method, so Slipway does not serve it: the module must listen on $PORT (0) itself"));
    }

    /** Runs {@code module} behind the shim and returns the port it serves on. */
    private int serve(String module) {
        start(module);
        return awaitPort();
    }

    private void start(String module) {
        log = logs.resolve("node.log");
        try {
            Files.writeString(code.resolve("index.mjs"), module);
            String entry = WorkersShim.write(code, "index.mjs");
            // A file, not a pipe: what node writes just before it exits is there whenever the test reads it.
            ProcessBuilder builder = new ProcessBuilder("node", code.resolve(entry).toString()).redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            builder.environment().putAll(Map.of("PORT", "0", "HOST", "127.0.0.1", "GREETING", "hello"));
            node = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What node has written so far, line by line. */
    private List<String> output() {
        try {
            return Files.readAllLines(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private int awaitPort() {
        return await().atMost(Duration.ofSeconds(10)).until(() -> output().stream().map(PORT::matcher).filter(Matcher::find)
                .map(m -> Integer.parseInt(m.group(1))).findFirst().orElse(0), p -> p > 0);
    }

    private HttpResponse<String> get(int port, String path) {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)));
    }

    private HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return http.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
