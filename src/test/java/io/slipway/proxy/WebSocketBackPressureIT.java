package io.slipway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.slipway.testing.SlipwayServerExtension;
import io.slipway.testing.TestApps;
import io.slipway.testing.TestServer;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A WebSocket whose reader falls behind holds its sender back, both ways, rather than having Slipway take in what the
 * reader does not: what a fast sender gets out is bounded by the buffers on the way (the kernel's and Slipway's small
 * write queue), every byte arrives once the reader reads, and a sender's end that comes while its reader is behind
 * arrives after everything sent before it. Measured on the test machines: 10–22 MB of a 256 MiB flood got out from
 * the app, 8–17 MB from the client, before either stalled; without back-pressure Slipway took in all 256 MiB.
 */
class WebSocketBackPressureIT {
    private static final long FLOOD = 256L * 1024 * 1024;
    /**
     * Kernel socket buffers on loopback and the sandbox link grow to a few MiB each; Slipway's own write queue adds up
     * to about 1 MiB (Netty's 64 KiB, then 16 chunks in Vert.x's queue).
     */
    private static final long BOUND = 64L * 1024 * 1024;
    private static final String HANDSHAKE = "GET /containers/%s%s HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
            + "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";

    @RegisterExtension
    static final SlipwayServerExtension slipway = SlipwayServerExtension.withDefaults();
    static TestServer server;
    static String app;

    @BeforeAll
    static void deployApp() {
        app = server.deploy(server.token("ws-pressure"), "index.js", TestApps.source("ws-commands.js"),
                Map.of("requirements", "ws@8.18.3")).getString("id");
        assertThat(server.call(app, "/").statusCode()).isEqualTo(200);
    }

    @Test
    void aClientThatStopsReadingHoldsTheAppsFloodBackAndThenGetsEveryByte() throws IOException {
        try (Socket socket = upgrade("/flood?mb=" + FLOOD / (1024 * 1024))) {
            // The client reads no more: the app must be kept waiting for 'drain', with only what the buffers on the way
            // hold sent, rather than have its flood taken into Slipway's memory.
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(30)).until(() -> {
                JsonObject flood = flood();
                return flood.getBoolean("waiting") || flood.getBoolean("done");
            });
            JsonObject held = flood();
            assertThat(held.getBoolean("done")).as("the app got all its flood out while its client read nothing: %s", held).isFalse();
            assertThat(held.getLong("sent")).as("bytes the app got out while its client read nothing").isLessThan(BOUND);

            long received = readToTheEnd(socket.getInputStream());
            assertThat(flood().getBoolean("done")).isTrue();
            assertThat(received).as("bytes received, the app's close frame included").isEqualTo(flood().getLong("total"));
        }
    }

    @Test
    void whatAnAppSentBeforeItClosedReachesAClientThatWasBehindWhole() throws IOException {
        // Little enough for the buffers on the way to hold it all: the app is done and gone while most of its flood, and
        // then its end, still wait in Slipway for the client, which reads nothing yet.
        try (Socket socket = upgrade("/flood?mb=6")) {
            await().atMost(Duration.ofSeconds(30)).until(() -> flood().getBoolean("done"));
            await().atMost(Duration.ofSeconds(10)).until(() -> new JsonObject(server.call(app, "/state").body()).getInteger("upgraded") == 0);

            assertThat(readToTheEnd(socket.getInputStream())).as("bytes received, the app's close frame included")
                    .isEqualTo(flood().getLong("total"));
        }
    }

    @Test
    void anAppThatStopsReadingHoldsTheClientsFloodBackAndThenGetsEveryByte() throws IOException {
        try (Socket socket = upgrade("/sink"); Selector selector = Selector.open()) {
            SocketChannel channel = nonBlocking(socket, selector);
            ByteBuffer frame = maskedBinaryFrame(65_000);

            // The app reads nothing: the client's writes must stall once the buffers on the way are full, not be taken
            // into Slipway's memory. Stalled: the socket takes nothing for a whole second.
            long written = writeUntilStalled(channel, selector, frame, FLOOD, Duration.ofSeconds(1));
            assertThat(written).as("bytes the client got out while the app read nothing").isLessThan(BOUND);
            assertThat(server.call(app, "/sink/resume").statusCode()).isEqualTo(200);
            written += writeUntilStalled(channel, selector, frame, FLOOD - written, Duration.ofSeconds(30));

            long sent = written;
            assertThat(sent).isGreaterThanOrEqualTo(FLOOD);
            await().atMost(Duration.ofSeconds(30)).until(() -> sink().getLong("received"), received -> received == sent);
        }
    }

    @Test
    void whatAClientSentBeforeItHungUpReachesAnAppThatWasBehindWhole() throws IOException {
        long sent;
        try (Socket socket = upgrade("/sink"); Selector selector = Selector.open()) {
            SocketChannel channel = nonBlocking(socket, selector);
            long size = 6L * 1024 * 1024;
            sent = writeUntilStalled(channel, selector, maskedBinaryFrame(65_000), size, Duration.ofSeconds(5));
            assertThat(sent).as("written before the buffers on the way were full").isGreaterThanOrEqualTo(size);
        }
        // The client is gone; what it sent waits in Slipway and the kernel's buffers for an app that reads again.
        assertThat(server.call(app, "/sink/resume").statusCode()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            JsonObject sink = sink();
            assertThat(sink.getLong("received")).isEqualTo(sent);
            assertThat(sink.getBoolean("ended")).as("the client's end reached the app after its data").isTrue();
        });
    }

    /** Opens a WebSocket to the app's {@code path} by hand and reads the 101 that answers it; the socket has a channel. */
    private static Socket upgrade(String path) throws IOException {
        Socket socket = SocketChannel.open(new InetSocketAddress(server.base().getHost(), server.base().getPort())).socket();
        socket.setSoTimeout(30_000);
        socket.getOutputStream().write(HANDSHAKE.formatted(app, path).getBytes(StandardCharsets.US_ASCII));
        assertThat(readHead(socket.getInputStream())).startsWith("HTTP/1.1 101");
        return socket;
    }

    /** {@code socket}'s channel, for writes that return rather than block once the buffers on the way are full. */
    private static SocketChannel nonBlocking(Socket socket, Selector selector) throws IOException {
        SocketChannel channel = socket.getChannel();
        channel.configureBlocking(false);
        channel.register(selector, SelectionKey.OP_WRITE);
        return channel;
    }

    private static long readToTheEnd(InputStream in) throws IOException {
        long received = 0;
        byte[] buffer = new byte[256 * 1024];
        for (int n; (n = in.read(buffer)) > 0; ) received += n;
        return received;
    }

    private static JsonObject flood() {
        return new JsonObject(server.call(app, "/state").body()).getJsonObject("flood");
    }

    private static JsonObject sink() {
        return new JsonObject(server.call(app, "/state").body()).getJsonObject("sink");
    }

    /**
     * Writes {@code frame} over and over until {@code atLeast} bytes are out, or the socket takes nothing for
     * {@code stall}; returns the bytes written.
     */
    private static long writeUntilStalled(SocketChannel channel, Selector selector, ByteBuffer frame, long atLeast, Duration stall)
            throws IOException {
        long written = 0;
        while (written < atLeast) {
            if (!frame.hasRemaining()) frame.rewind();
            int n = channel.write(frame);
            written += n;
            if (n == 0) {
                selector.selectedKeys().clear();
                if (selector.select(stall.toMillis()) == 0) return written;
            }
        }
        // The last frame whole: the app counts bytes, and a torn frame would leave it waiting for its rest.
        while (frame.hasRemaining()) {
            written += channel.write(frame);
            if (frame.hasRemaining()) selector.select(stall.toMillis());
        }
        frame.rewind();
        return written;
    }

    /** A client frame (masked, RFC 6455 §5.3) carrying {@code size} bytes; the all-zero key leaves the payload as it is. */
    private static ByteBuffer maskedBinaryFrame(int size) {
        ByteBuffer frame = ByteBuffer.allocate(8 + size);
        frame.put((byte) 0x82).put((byte) (0x80 | 126)).putShort((short) size).putInt(0);
        while (frame.hasRemaining()) frame.put((byte) 'x');
        return frame.flip();
    }

    /** The response's status line and headers, without the blank line that ends them. */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1) {
            head.write(c);
            if (head.size() >= 4 && head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) break;
        }
        return head.toString(StandardCharsets.US_ASCII).strip();
    }
}
