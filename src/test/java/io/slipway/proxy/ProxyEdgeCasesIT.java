package io.slipway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.slipway.testing.SlipwayServerExtension;
import io.slipway.testing.TestApps;
import io.slipway.testing.TestServer;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The proxy's edge cases (after vertx-http-proxy's keep-alive checklist), against a real app through the real proxy. */
class ProxyEdgeCasesIT {
    @RegisterExtension
    static final SlipwayServerExtension slipway = SlipwayServerExtension.withDefaults();
    static TestServer server;
    static String app;

    @BeforeAll
    static void deployApp() {
        app = server.deploy(server.token("edges"), "index.js", TestApps.source("edges.js"), Map.of()).getString("id");
        assertThat(server.call(app, "/").statusCode()).isEqualTo(200);
    }

    @Test
    void anHttp2ClientGetsTheAppsAnswerWithoutHopByHopHeaders() throws Exception {
        // The JDK's client upgrades to HTTP/2 (h2c) and refuses a response that carries a 'connection' header, which
        // node sends with every answer.
        java.net.http.HttpClient h2 = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_2).build();
        var request = java.net.http.HttpRequest.newBuilder(server.base().resolve("/containers/" + app + "/status/200")).build();

        var answers = List.of(h2.send(request, java.net.http.HttpResponse.BodyHandlers.ofString()),
                h2.send(request, java.net.http.HttpResponse.BodyHandlers.ofString()));

        assertThat(answers).allSatisfy(a -> {
            assertThat(a.statusCode()).isEqualTo(200);
            assertThat(a.headers().map()).doesNotContainKeys("connection", "keep-alive");
        });
        assertThat(answers.getLast().version()).isEqualTo(java.net.http.HttpClient.Version.HTTP_2);
    }

    @Test
    void headRequestGetsTheHeadersAndNoBody() {
        HttpResponse<String> head = server.send(HttpRequest.newBuilder(server.base().resolve("/containers/" + app + "/thing"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()));

        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.headers().firstValue("content-length")).contains(String.valueOf("{\"method\":\"GET\",\"url\":\"/thing\"}".length() + 1));
        assertThat(head.body()).isEmpty();
    }

    @Test
    void noContentAndNotModifiedArriveWithoutABodyOrAChunkedEncoding() throws IOException {
        for (int status : new int[] {204, 304}) {
            String response = raw("GET /containers/" + app + "/status/" + status + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");

            assertThat(response).startsWith("HTTP/1.1 " + status + " ");
            assertThat(response.toLowerCase()).doesNotContain("transfer-encoding").contains("mcp-session-id: none");
            assertThat(response).endsWith("\r\n\r\n");
        }
    }

    @Test
    void theAppsConnectionScopedHeadersStopAtTheProxy() throws IOException {
        String response = raw("GET /containers/" + app + "/hop HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").toLowerCase();

        assertThat(response).startsWith("http/1.1 200").contains("x-end-to-end: kept").contains("\r\nhop\r\n");
        assertThat(response).doesNotContain("x-hop").doesNotContain("keep-alive").doesNotContain("timeout=5");
    }

    @Test
    void chunkedResponseReachesAnHttp10ClientWhole() throws IOException {
        String response = raw("GET /containers/" + app + "/chunked HTTP/1.0\r\nHost: localhost\r\n\r\n");

        assertThat(response).startsWith("HTTP/1.").contains(" 200 ");
        assertThat(response.toLowerCase()).doesNotContain("transfer-encoding: chunked");
        assertThat(response).endsWith("part1;part2;part3;");
    }

    @Test
    void expect100ContinueGetsItsInterimAnswerBeforeTheBodyIsSent() throws IOException {
        try (Socket socket = new Socket(server.base().getHost(), server.base().getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /containers/" + app + "/count HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n"
                    + "Expect: 100-continue\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            assertThat(readLine(in)).isEqualTo("HTTP/1.1 100 Continue");
            out.write("hello".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String rest = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(rest).contains("HTTP/1.1 200").endsWith("{\"bytes\":5}");
        }
    }

    @Test
    void appClosingTheConnectionDuringAnUploadIsA502ProblemFromSlipway() {
        HttpResponse<String> response = server.send(HttpRequest.newBuilder(server.base().resolve("/containers/" + app + "/drop"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[2 * 1024 * 1024])));

        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(response.headers().firstValue("Content-Type")).contains("application/problem+json");
        assertThat(response.headers().firstValue("X-Slipway-Error")).contains("app-connection-lost");
        assertThat(new JsonObject(response.body()).getString("type")).endsWith("/problems/app-connection-lost");
    }

    @Test
    void aClientThatStopsReadingHoldsTheAppBackAndThenGetsTheWholeDownload() throws IOException {
        long total = 256L * 1024 * 1024;
        try (Socket socket = new Socket(server.base().getHost(), server.base().getPort())) {
            socket.setSoTimeout(30_000);
            socket.getOutputStream().write(("GET /containers/" + app + "/download?mb=256 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            InputStream in = socket.getInputStream();
            String head = readHead(in);
            assertThat(in.read()).isEqualTo('x');

            // The client reads no more: the app must be kept waiting, with only what the buffers on the way hold sent,
            // not have its whole answer read into Slipway's memory.
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(30)).until(() -> {
                JsonObject state = new JsonObject(server.call(app, "/download-state").body());
                return state.getBoolean("waiting") && !state.getBoolean("done");
            });
            long sent = new JsonObject(server.call(app, "/download-state").body()).getLong("sent");
            assertThat(sent).isLessThan(64L * 1024 * 1024);

            long received = 1;
            byte[] buffer = new byte[256 * 1024];
            for (int n; (n = in.read(buffer)) > 0; ) received += n;
            assertThat(head).startsWith("HTTP/1.1 200").containsIgnoringCase("content-length: " + total);
            assertThat(received).isEqualTo(total);
            assertThat(new JsonObject(server.call(app, "/download-state").body()).getBoolean("done")).isTrue();
        }
    }

    @Test
    void anAnswerTheAppBreaksOffFailsAtTheClientRatherThanLookingComplete() {
        for (String chunked : List.of("false", "true")) {
            HttpRequest request = HttpRequest.newBuilder(server.base().resolve("/containers/" + app + "/broken?chunked=" + chunked))
                    .timeout(Duration.ofSeconds(20)).build();
            // Cut off, not left waiting for bytes that will never come.
            assertThatThrownBy(() -> server.http().send(request, HttpResponse.BodyHandlers.ofString()))
                    .as("chunked=" + chunked).isInstanceOf(IOException.class).isNotInstanceOf(java.net.http.HttpTimeoutException.class);
        }
    }

    @Test
    void clientThatDisconnectsCancelsItsRequestToTheAppPromptly() throws IOException {
        JsonObject before = new JsonObject(server.call(app, "/cancelled").body());
        try (Socket socket = new Socket(server.base().getHost(), server.base().getPort())) {
            socket.getOutputStream().write(("GET /containers/" + app + "/hang HTTP/1.1\r\nHost: localhost\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            await().atMost(Duration.ofSeconds(5)).until(() ->
                    new JsonObject(server.call(app, "/cancelled").body()).getInteger("hanging") == before.getInteger("hanging") + 1);
        }

        await().atMost(Duration.ofSeconds(3)).untilAsserted(() ->
                assertThat(new JsonObject(server.call(app, "/cancelled").body()).getInteger("cancelled"))
                        .isEqualTo(before.getInteger("cancelled") + 1));
    }

    @Test
    void mcpHeadersPassUnchangedAndProtocolStatusCodesAreNotRewritten() {
        for (int status : new int[] {202, 400, 404, 405}) {
            HttpResponse<String> response = server.send(HttpRequest.newBuilder(server.base().resolve("/containers/" + app + "/status/" + status))
                    .header("Mcp-Session-Id", "session-123").header("MCP-Protocol-Version", "2025-06-18")
                    .header("Last-Event-ID", "41").header("Mcp-Method", "tools/call").header("Mcp-Name", "add")
                    .header("Mcp-Param-a", "2").GET());

            assertThat(response.statusCode()).isEqualTo(status);
            assertThat(response.headers().firstValue("X-Slipway-Error")).isEmpty();
            assertThat(response.headers().firstValue("Mcp-Session-Id")).contains("session-123");
            if (status != 202) {
                assertThat(new JsonObject(response.body()).getJsonObject("seen").getMap()).containsExactlyInAnyOrderEntriesOf(Map.of(
                        "mcp-session-id", "session-123", "mcp-protocol-version", "2025-06-18", "last-event-id", "41",
                        "mcp-method", "tools/call", "mcp-name", "add", "mcp-param-a", "2"));
            }
        }
    }

    private static String raw(String request) throws IOException {
        try (Socket socket = new Socket(server.base().getHost(), server.base().getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    /** A response's status line and headers, up to and without the blank line that ends them. */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1) {
            head.write(c);
            if (head.size() >= 4 && head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) break;
        }
        return head.toString(StandardCharsets.US_ASCII).strip();
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            if (c != '\r') line.write(c);
        }
        String first = line.toString(StandardCharsets.US_ASCII);
        if (in.read() == '\r') in.read(); // the blank line after the interim response
        return first;
    }
}
