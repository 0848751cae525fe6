package io.slipway.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.slipway.sandbox.SandboxLabel;
import io.slipway.testing.StoppablePostgres;
import io.slipway.testing.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /readyz} says whether Slipway can serve, as a load balancer or Kubernetes probes it: not while its database is
 * down, not while the sandbox firewall it installed is incomplete, not once it is shutting down; and it recovers by
 * itself. {@code /healthz} (liveness) stays 200 throughout. Every probe is answered within its client's 5 s timeout.
 */
class ReadinessIT {
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);

    @TempDir
    Path work;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(PROBE_TIMEOUT).build();

    @BeforeEach
    void openWork() {
        TestServer.openForSandboxes(work);
    }

    @Test
    void notReadyWhileTheDatabaseIsDownAndReadyAgainOnceItIsBack() {
        try (StoppablePostgres postgres = StoppablePostgres.start(work.resolve("postgres"));
             TestServer server = TestServer.start(TestServer.config(work.resolve("data"), Map.of("database.url", postgres.url())))) {
            assertReady(server);

            postgres.stop();
            JsonObject problem = awaitNotReady(server, "store");
            assertThat(problem.getString("detail")).contains("store").doesNotContain(postgres.url()).doesNotContain("jdbc:");
            assertThat(probe(server, "/healthz").statusCode()).isEqualTo(200);

            postgres.restart();
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertReady(server));
        }
    }

    @Test
    void notReadyWhileTheSandboxFirewallJumpIsMissing() throws Exception {
        try (TestServer server = TestServer.start(work.resolve("data"))) {
            String chain = "SW-IN-" + SandboxLabel.of(server.dataDir());
            assertReady(server);

            assertThat(iptables("-D", "INPUT", "-j", chain)).as("removed the jump to " + chain).isZero();
            try {
                JsonObject problem = awaitNotReady(server, "runtime");
                assertThat(problem.getString("detail")).contains(chain);
                assertThat(probe(server, "/healthz").statusCode()).isEqualTo(200);
            } finally {
                if (iptables("-C", "INPUT", "-j", chain) != 0) assertThat(iptables("-I", "INPUT", "-j", chain)).isZero();
            }
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertReady(server));
        }
    }

    /**
     * What a prober sees once {@code Slipway.close()} begins, while a request in flight is still being drained: a new
     * connection is refused, and a keep-alive connection opened before (the way probers reuse connections) is closed
     * without an answer; neither ever hears 200. Readiness itself turns 503 at the very start of close(), for a request
     * that races with it (ReadinessTest shows that answer).
     */
    @Test
    void noProberHearsReadyOnceShutdownBegins() throws Exception {
        TestServer server = TestServer.start(TestServer.config(work.resolve("data"), Map.of("proxy.drainTimeout", "60s")));
        var executor = Executors.newVirtualThreadPerTaskExecutor();
        try (Socket keepAlive = new Socket("127.0.0.1", server.base().getPort());
             Socket inFlight = new Socket("127.0.0.1", server.base().getPort())) {
            keepAlive.setSoTimeout((int) PROBE_TIMEOUT.toMillis());
            inFlight.setSoTimeout((int) PROBE_TIMEOUT.toMillis());
            assertThat(rawReadyz(keepAlive)).startsWith("HTTP/1.1 200");
            // An upload that has begun and will not end: the drain waits for it. 100 Continue says its head was read.
            send(inFlight, "POST /api/containers/upload HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + server.token("gina")
                    + "\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: 100000\r\nExpect: 100-continue\r\n\r\n");
            assertThat(readHead(inFlight.getInputStream())).startsWith("HTTP/1.1 100");
            send(inFlight, "--x\r\n");

            CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close, executor);
            await().atMost(Duration.ofSeconds(10)).until(() -> refused(server));

            assertThat(closing).as("still draining the upload").isNotDone();
            assertThat(curlReadyz(server)).as("curl's exit code: 7, could not connect").isEqualTo(7);
            assertThat(rawReadyzOrClosed(keepAlive)).as("the keep-alive connection opened before").isEqualTo("closed");

            inFlight.close();
            closing.get(30, TimeUnit.SECONDS);
        } finally {
            server.close();
            executor.close();
        }
    }

    private void assertReady(TestServer server) {
        HttpResponse<String> response = probe(server, "/readyz");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(new JsonObject(response.body()).getString("status")).isEqualTo("ready");
    }

    /** Waits for /readyz to answer 503 naming {@code check} among the failing ones; returns the problem. */
    private JsonObject awaitNotReady(TestServer server, String check) {
        JsonObject[] problem = new JsonObject[1];
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            HttpResponse<String> response = probe(server, "/readyz");
            assertThat(response.statusCode()).as(response.body()).isEqualTo(503);
            problem[0] = new JsonObject(response.body());
            assertThat(problem[0].getString("type")).endsWith("/problems/not-ready");
            assertThat(response.headers().firstValue("Content-Type")).contains("application/problem+json");
            assertThat(response.headers().firstValue("X-Slipway-Error")).contains("not-ready");
            assertThat(response.headers().firstValue("Retry-After")).isPresent();
            JsonArray failing = problem[0].getJsonArray("failing");
            assertThat(failing.stream().map(f -> ((JsonObject) f).getString("check"))).contains(check);
        });
        return problem[0];
    }

    /** A probe as a load balancer sends it: a plain GET that must be answered within {@link #PROBE_TIMEOUT}. */
    private HttpResponse<String> probe(TestServer server, String path) {
        try {
            return http.send(HttpRequest.newBuilder(server.base().resolve(path)).timeout(PROBE_TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(path + " was not answered within " + PROBE_TIMEOUT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static boolean refused(TestServer server) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", server.base().getPort()), 1000);
            return false;
        } catch (ConnectException e) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private int curlReadyz(TestServer server) throws IOException, InterruptedException {
        Process curl = new ProcessBuilder("curl", "-sS", "--max-time", "5", "-o", "/dev/null", server.base() + "/readyz")
                .redirectErrorStream(true).start();
        curl.getInputStream().readAllBytes();
        assertThat(curl.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return curl.exitValue();
    }

    private static String rawReadyz(Socket socket) throws IOException {
        send(socket, "GET /readyz HTTP/1.1\r\nHost: localhost\r\n\r\n");
        InputStream in = socket.getInputStream();
        String head = readHead(in);
        int length = Integer.parseInt(head.lines().filter(l -> l.regionMatches(true, 0, "content-length:", 0, 15))
                .findFirst().orElseThrow().substring(15).trim());
        in.readNBytes(length);
        return head;
    }

    /** The status line of /readyz's answer on {@code socket}, or {@code closed} when the server closed it instead. */
    private static String rawReadyzOrClosed(Socket socket) {
        try {
            send(socket, "GET /readyz HTTP/1.1\r\nHost: localhost\r\n\r\n");
            String head = readHead(socket.getInputStream());
            return head.isEmpty() ? "closed" : head.lines().findFirst().orElseThrow();
        } catch (java.net.SocketException e) {
            return "closed"; // reset, or a broken pipe: closed all the same
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void send(Socket socket, String text) throws IOException {
        socket.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
    }

    /** Reads up to the blank line that ends a response head; empty when the connection ends first. */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) return head.size() == 0 ? "" : head.toString(StandardCharsets.ISO_8859_1);
            head.write(b);
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    private static int iptables(String... args) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(concat("iptables", args)).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return p.exitValue();
    }

    private static List<String> concat(String first, String... rest) {
        List<String> all = new java.util.ArrayList<>(List.of(first));
        all.addAll(List.of(rest));
        return all;
    }
}
