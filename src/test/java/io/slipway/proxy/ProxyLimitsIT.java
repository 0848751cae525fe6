package io.slipway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.slipway.config.DataSize;
import io.slipway.config.SlipwayConfig;
import io.slipway.testing.SlipwayServerExtension;
import io.slipway.testing.SlipwayServerExtension.Token;
import io.slipway.testing.TestApps;
import io.slipway.testing.TestServer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Flow;
import java.util.concurrent.SubmissionPublisher;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The data plane's limits — body size, header size, idle connections — on a Slipway with small ones. It runs on the
 * epoll transport, where the rest of the suite takes {@code proxy.transport: auto} (io_uring here): both stay tested.
 */
class ProxyLimitsIT {
    @RegisterExtension
    static final SlipwayServerExtension slipway = SlipwayServerExtension.withConfig(c -> c.withProxy(new SlipwayConfig.ProxySettings(
            // Idle connections are closed after 10 s: long enough for the upload below, which answers once its app runs
            // (and, in this fresh data dir, once esbuild is installed: 3-7 s on a slow two-core machine).
            DataSize.ofMebibytes(1), DataSize.parse("4KiB"), Duration.ofSeconds(10), 2, Duration.ofSeconds(10),
            io.slipway.config.AddressRanges.NONE, SlipwayConfig.ProxySettings.Transport.EPOLL)));
    static TestServer server;
    @Token("limits")
    static String token;
    static String app;

    @BeforeAll
    static void deployApp() {
        app = server.deploy(token, "index.js", TestApps.source("edges.js"), Map.of("sleepAfter", "1s")).getString("id");
    }

    @Test
    void declaredBodyOverTheLimitIs413WithoutWakingTheApp() {
        await().atMost(Duration.ofSeconds(15)).until(() -> "sleeping".equals(server.server(token, app).getString("status")));

        HttpResponse<String> response = server.send(HttpRequest.newBuilder(server.base().resolve("/containers/" + app + "/count"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[1024 * 1024 + 1])));

        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(new JsonObject(response.body()).getString("type")).endsWith("/problems/body-too-large");
        assertThat(response.headers().firstValue("X-Slipway-Error")).contains("body-too-large");
        assertThat(server.server(token, app).getString("status")).isEqualTo("sleeping");
    }

    @Test
    void bodyAtTheLimitPasses() {
        HttpResponse<String> response = server.send(HttpRequest.newBuilder(server.base().resolve("/containers/" + app + "/count"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[1024 * 1024])));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(new JsonObject(response.body()).getLong("bytes")).isEqualTo(1024 * 1024);
    }

    @Test
    void chunkedBodyThatOutgrowsTheLimitIsCutOff() {
        // A body of unknown length: the client streams 2 MiB in 64 KiB pieces.
        HttpRequest request = HttpRequest.newBuilder(server.base().resolve("/containers/" + app + "/count"))
                .POST(HttpRequest.BodyPublishers.fromPublisher(chunks(32, 64 * 1024))).build();

        assertThatThrownBy(() -> server.http().send(request, HttpResponse.BodyHandlers.ofString())).isInstanceOf(IOException.class);
    }

    @Test
    void headersOverTheLimitAre431Problem() {
        HttpResponse<String> response = server.send(HttpRequest.newBuilder(server.base().resolve("/containers/" + app + "/"))
                .header("X-Big", "x".repeat(8 * 1024)).GET());

        assertThat(response.statusCode()).isEqualTo(431);
        assertThat(response.headers().firstValue("Content-Type")).contains("application/problem+json");
        assertThat(new JsonObject(response.body()).getString("type")).endsWith("/problems/headers-too-large");
    }

    @Test
    void connectionThatStaysSilentIsClosedAfterTheIdleTimeout() throws IOException {
        try (Socket socket = new Socket(server.base().getHost(), server.base().getPort())) {
            socket.setSoTimeout(30_000);
            socket.getOutputStream().write("GET /containers/".getBytes(StandardCharsets.US_ASCII));
            long t0 = System.nanoTime();
            InputStream in = socket.getInputStream();

            int read = in.read();

            assertThat(read).as("the server closed the connection").isEqualTo(-1);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isBetween(Duration.ofSeconds(9), Duration.ofSeconds(20));
        }
    }

    private static Flow.Publisher<java.nio.ByteBuffer> chunks(int count, int size) {
        return subscriber -> {
            SubmissionPublisher<java.nio.ByteBuffer> publisher = new SubmissionPublisher<>();
            publisher.subscribe(subscriber);
            Thread.ofVirtual().start(() -> {
                try (publisher) {
                    for (int i = 0; i < count; i++) publisher.submit(java.nio.ByteBuffer.wrap(new byte[size]));
                } catch (RuntimeException e) {
                    throw new UncheckedIOException(new IOException(e));
                }
            });
        };
    }
}
