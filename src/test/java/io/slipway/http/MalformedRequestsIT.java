package io.slipway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.slipway.testing.RawHttp;
import io.slipway.testing.SlipwayServerExtension;
import io.slipway.testing.TestApps;
import io.slipway.testing.TestServer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Requests whose framing is ambiguous or broken (RFC 9112 §6), written by hand as a request smuggler would: each gets a
 * prompt problem with {@code Connection: close}, the connection ends, and the app behind the proxy never sees the
 * request. Well-formed chunked and HTTP/1.0 requests still arrive whole.
 */
class MalformedRequestsIT {
    /** Much less than any timeout on the way: an answer in time is Slipway's, and the read ending early means it closed. */
    private static final Duration PROMPTLY = Duration.ofSeconds(2);

    @RegisterExtension
    static final SlipwayServerExtension slipway = SlipwayServerExtension.withDefaults();
    static TestServer server;
    static String app;

    @BeforeAll
    static void deployApp() {
        app = server.deploy(server.token("framing"), "index.js", TestApps.source("counter.js"), Map.of()).getString("id");
    }

    static Stream<Arguments> ambiguousOrBroken() {
        return Stream.of(
                // The two of issue 13, item 11: both hung.
                refused("HTTP/1.0 with Transfer-Encoding and Content-Length, the body framed by its length",
                        "HTTP/1.0", "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", "hello"),
                refused("a chunked body with bare-LF line ends and a chunk extension",
                        "HTTP/1.1", "Transfer-Encoding: chunked\r\n", "5;ext=1\nhello\n0\n\n"),
                refused("HTTP/1.0 with Transfer-Encoding and Content-Length, the body chunked",
                        "HTTP/1.0", "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", "5\r\nhello\r\n0\r\n\r\n"),
                refused("HTTP/1.1 with Transfer-Encoding and Content-Length",
                        "HTTP/1.1", "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", "5\r\nhello\r\n0\r\n\r\n"),
                refused("HTTP/1.1 with Content-Length and Transfer-Encoding",
                        "HTTP/1.1", "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n", "5\r\nhello\r\n0\r\n\r\n"),
                refused("HTTP/1.1 with Transfer-Encoding: identity and Content-Length",
                        "HTTP/1.1", "Transfer-Encoding: identity\r\nContent-Length: 5\r\n", "hello"),
                refused("HTTP/1.0 with Transfer-Encoding alone", "HTTP/1.0", "Transfer-Encoding: chunked\r\n", "5\r\nhello\r\n0\r\n\r\n"),
                refused("Transfer-Encoding: chunked, identity", "HTTP/1.1", "Transfer-Encoding: chunked, identity\r\n", "5\r\nhello\r\n0\r\n\r\n"),
                refused("Transfer-Encoding: xchunked", "HTTP/1.1", "Transfer-Encoding: xchunked\r\n", "5\r\nhello\r\n0\r\n\r\n"),
                refused("Transfer-Encoding: chunked twice", "HTTP/1.1", "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
                        "5\r\nhello\r\n0\r\n\r\n"),
                refused("Transfer-Encoding folded over two lines (obs-fold)", "HTTP/1.1", "Transfer-Encoding: identity\r\n chunked\r\n",
                        "5\r\nhello\r\n0\r\n\r\n"),
                refused("an empty Transfer-Encoding", "HTTP/1.1", "Transfer-Encoding: \r\n", "5\r\nhello\r\n0\r\n\r\n"),
                refused("a space before the colon of Transfer-Encoding", "HTTP/1.1", "Transfer-Encoding : chunked\r\n",
                        "5\r\nhello\r\n0\r\n\r\n"),
                refused("two Content-Lengths that differ", "HTTP/1.1", "Content-Length: 5\r\nContent-Length: 6\r\n", "hello!"),
                refused("a signed Content-Length", "HTTP/1.1", "Content-Length: +5\r\n", "hello"),
                refused("chunk lines with bare LF", "HTTP/1.1", "Transfer-Encoding: chunked\r\n", "5\nhello\n0\n\n"),
                refused("a chunk size that is not hexadecimal", "HTTP/1.1", "Transfer-Encoding: chunked\r\n", "zz\r\nhello\r\n0\r\n\r\n"),
                refused("a negative chunk size", "HTTP/1.1", "Transfer-Encoding: chunked\r\n", "-5\r\nhello\r\n0\r\n\r\n"),
                refused("a chunk size that overflows", "HTTP/1.1", "Transfer-Encoding: chunked\r\n",
                        "fffffffffffffffff\r\nhello\r\n0\r\n\r\n"),
                refused("a chunk longer than its size", "HTTP/1.1", "Transfer-Encoding: chunked\r\n", "3\r\nhello\r\n0\r\n\r\n"),
                refused("a chunk extension with an unterminated quoted value", "HTTP/1.1", "Transfer-Encoding: chunked\r\n",
                        "5;a=\"b\r\nhello\r\n0\r\n\r\n"),
                refused("a trailer line with a bare LF", "HTTP/1.1", "Transfer-Encoding: chunked\r\n", "5\r\nhello\r\n0\r\nX-T: 1\n\r\n"));
    }

    private static Arguments refused(String name, String version, String framing, String body) {
        return Arguments.of(name, version, framing, body);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ambiguousOrBroken")
    void anAmbiguousOrBrokenRequestGetsAPrompt400AndNeverReachesTheApp(String name, String version, String framing, String body) {
        int before = seen();

        long t0 = System.nanoTime();
        RawHttp.Answer answer = RawHttp.exchange(server.base(), request("/containers/" + app + "/upload", version, framing, body), PROMPTLY);
        Duration took = Duration.ofNanos(System.nanoTime() - t0);

        assertIsRefusal(answer, 400, "bad-request");
        // The read ends when the server closes the connection or falls silent for PROMPTLY; ending sooner means closed.
        assertThat(took).as("the connection is closed after the answer").isLessThan(PROMPTLY);
        assertThat(seen()).as("requests the app saw").isEqualTo(before);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ambiguousOrBroken")
    void theApiRefusesTheSameRequestsBeforeAskingForCredentials(String name, String version, String framing, String body) {
        RawHttp.Answer answer = RawHttp.exchange(server.base(), request("/api/containers/upload", version, framing, body), PROMPTLY);

        assertIsRefusal(answer, 400, "bad-request");
    }

    @Test
    void aTransferCodingOtherThanChunkedIsNotImplemented() {
        int before = seen();

        RawHttp.Answer answer = RawHttp.exchange(server.base(), request("/containers/" + app + "/upload", "HTTP/1.1",
                "Transfer-Encoding: gzip, chunked\r\n", "5\r\nhello\r\n0\r\n\r\n"), PROMPTLY);

        assertIsRefusal(answer, 501, "unsupported-transfer-coding");
        assertThat(seen()).isEqualTo(before);
    }

    @Test
    void aRefusedRequestPipelinedBehindAGoodOneIsAnsweredAfterIt() {
        int before = seen();
        String good = "GET /containers/" + app + "/first HTTP/1.1\r\nHost: localhost\r\n\r\n";
        String bad = request("/containers/" + app + "/second", "HTTP/1.1", "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n",
                "0\r\n\r\n");

        String answers = new String(exchange(good + bad), StandardCharsets.ISO_8859_1);

        assertThat(answers).startsWith("HTTP/1.1 200 ").contains("\"url\":\"/first\"");
        assertThat(answers.indexOf("HTTP/1.1 400 ")).isGreaterThan(answers.indexOf("\"url\":\"/first\""));
        assertThat(seen()).isEqualTo(before + 1);
    }

    @Test
    void aChunkThatBreaksAfterTheAppBeganReceivingGetsA400AndTheAppsRequestIsCut() throws IOException {
        JsonObject before = count();
        try (Socket socket = new Socket(server.base().getHost(), server.base().getPort())) {
            socket.setSoTimeout((int) PROMPTLY.toMillis());
            OutputStream out = socket.getOutputStream();
            out.write(("POST /containers/" + app + "/stream HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "5\r\nhello\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            await().atMost(Duration.ofSeconds(10)).until(() -> count().getInteger("seen") > before.getInteger("seen"));

            out.write("5\nworld\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);

            assertThat(answer).startsWith("HTTP/1.1 400 ").contains("X-Slipway-Error: bad-request").contains("does not end in CRLF");
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> count().getInteger("aborted") > before.getInteger("aborted"));
    }

    // --- what must keep working ---------------------------------------------------------------------------------------

    static Stream<Arguments> wellFormed() {
        return Stream.of(
                Arguments.of("a chunked body", "HTTP/1.1", "Transfer-Encoding: chunked\r\n", "2\r\nhe\r\n3\r\nllo\r\n0\r\n\r\n"),
                Arguments.of("a chunked body in capitals, with trailers", "HTTP/1.1", "Transfer-Encoding: CHUNKED\r\n",
                        "5\r\nhello\r\n0\r\nX-Checksum: 1\r\n\r\n"),
                Arguments.of("chunk extensions of a name and a quoted value", "HTTP/1.1", "Transfer-Encoding: chunked\r\n",
                        "5;name\r\nhello\r\n0;q=\"a b\"\r\n\r\n"),
                Arguments.of("an HTTP/1.0 body with a Content-Length", "HTTP/1.0", "Content-Length: 5\r\n", "hello"),
                Arguments.of("an HTTP/1.1 body with a Content-Length", "HTTP/1.1", "Content-Length: 5\r\n", "hello"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("wellFormed")
    void aWellFormedBodyArrivesWhole(String name, String version, String framing, String body) {
        RawHttp.Answer answer = RawHttp.exchange(server.base(), request("/containers/" + app + "/upload", version,
                framing + "Connection: close\r\n", body), Duration.ofSeconds(10));

        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        assertThat(new JsonObject(answer.body()).getString("body")).isEqualTo("hello");
    }

    @Test
    void anHttp10GetIsAnswered() {
        RawHttp.Answer answer = RawHttp.exchange(server.base(), "GET /containers/" + app + "/page HTTP/1.0\r\nHost: localhost\r\n\r\n",
                Duration.ofSeconds(10));

        assertThat(answer.status()).isEqualTo(200);
        assertThat(new JsonObject(answer.body()).getString("url")).isEqualTo("/page");
    }

    @Test
    void pipelinedChunkedRequestsOnOneConnectionAreAllAnswered() {
        String one = "POST /containers/" + app + "/one HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n3\r\none\r\n0\r\n\r\n";
        String two = "POST /containers/" + app + "/two HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                + "3\r\ntwo\r\n0\r\n\r\n";

        String answers = new String(exchange(one + two), StandardCharsets.ISO_8859_1);

        assertThat(answers).contains("\"url\":\"/one\",\"body\":\"one\"").contains("\"url\":\"/two\",\"body\":\"two\"");
    }

    @Test
    void aChunkedBodyAfter100ContinueArrives() throws IOException {
        try (Socket socket = new Socket(server.base().getHost(), server.base().getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /containers/" + app + "/expect HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n"
                    + "Expect: 100-continue\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            assertThat(new String(in.readNBytes("HTTP/1.1 100 Continue".length()), StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 100 Continue");
            out.write("5\r\nhello\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();

            assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII)).contains("HTTP/1.1 200 ").contains("\"body\":\"hello\"");
        }
    }

    @Test
    void curlUploadsAChunkedBody() throws Exception {
        Process curl = new ProcessBuilder("curl", "-sS", "--max-time", "20", "-H", "Transfer-Encoding: chunked", "--data-binary", "@-",
                server.base() + "/containers/" + app + "/curl").redirectErrorStream(true).start();
        try (OutputStream stdin = curl.getOutputStream()) {
            stdin.write("hello".getBytes(StandardCharsets.US_ASCII));
        }
        String output = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

        assertThat(curl.waitFor()).as(output).isZero();
        JsonObject seen = new JsonObject(output);
        assertThat(seen.getString("body")).isEqualTo("hello");
        assertThat(seen.getJsonObject("headers").getString("transfer-encoding")).isEqualTo("chunked");
    }

    private static String request(String path, String version, String framing, String body) {
        return "POST " + path + " " + version + "\r\nHost: localhost\r\n" + framing + "\r\n" + body;
    }

    private static void assertIsRefusal(RawHttp.Answer answer, int status, String slug) {
        assertThat(answer.status()).as("status, after %s", answer.body()).isEqualTo(status);
        assertThat(answer.header("X-Slipway-Error")).isEqualTo(slug);
        assertThat(answer.header("Content-Type")).isEqualTo(Problem.CONTENT_TYPE);
        assertThat(answer.header("Connection")).isEqualToIgnoringCase("close");
        JsonObject problem = new JsonObject(answer.body());
        assertThat(problem.getString("type")).endsWith("/problems/" + slug);
        assertThat(problem.getInteger("status")).isEqualTo(status);
    }

    /** Writes {@code requests} on one connection and reads until the server closes it. */
    private static byte[] exchange(String requests) {
        URI base = server.base();
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(requests.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            return socket.getInputStream().readAllBytes();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static JsonObject count() {
        return new JsonObject(server.call(app, "/count").body());
    }

    private static int seen() {
        return count().getInteger("seen");
    }
}
