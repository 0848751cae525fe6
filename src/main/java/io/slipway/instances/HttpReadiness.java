package io.slipway.instances;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * An app is ready when its address accepts a connection and answers an HTTP request (for {@code /}, or the app's
 * {@code healthPath}) with any status line: a 404 is as ready as a 200. Works over TCP and over the unix socket bridged into a sandbox, where the bridge
 * accepts at once and closes the connection while the app does not listen yet. Blocking; run it on a virtual thread.
 */
final class HttpReadiness {
    static final ReadinessCheck ROOT = of("/");

    /** The check that sends {@code GET path}; {@code path} holds no space or control character (the upload checked it). */
    static ReadinessCheck of(String path) {
        if (!path.startsWith("/") || path.chars().anyMatch(ch -> ch <= ' ' || ch >= 0x7f)) throw new IllegalArgumentException("not a path: " + path);
        byte[] request = ("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nUser-Agent: slipway-readiness\r\n"
                + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        String waitsFor = "/".equals(path) ? "answer HTTP on $PORT" : "answer HTTP on $PORT (GET " + path + ")";
        return new ReadinessCheck() {
            @Override
            public boolean probe(SocketAddress address, java.time.Duration timeout) {
                return answers(address, request, (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis())));
            }

            @Override
            public String waitsFor() {
                return waitsFor;
            }

            @Override
            public String toString() {
                return "ReadinessCheck.http(" + path + ")";
            }
        };
    }

    // Over the sandbox's own link a connection is accepted or refused within a millisecond. One that hangs has lost a
    // packet, which TCP would send again only after a whole second: such a probe is dropped and the next one tried.
    private static final long CONNECT_TIMEOUT_MILLIS = 100;
    // SocketChannel reads have no timeout of their own: an app that accepts and never answers is cut off by closing.
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("slipway-readiness-watchdog").daemon().factory());

    private HttpReadiness() {
    }

    static boolean answers(SocketAddress address, byte[] request, int timeoutMillis) {
        StandardProtocolFamily family = switch (address) {
            case UnixDomainSocketAddress unix -> StandardProtocolFamily.UNIX;
            case InetSocketAddress inet -> inet.getAddress() instanceof java.net.Inet6Address
                    ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET;
            default -> throw new IllegalArgumentException("cannot probe " + address);
        };
        try (SocketChannel channel = SocketChannel.open(family)) {
            ScheduledFuture<?> cutOff = WATCHDOG.schedule(() -> closeQuietly(channel), Math.min(CONNECT_TIMEOUT_MILLIS, timeoutMillis),
                    TimeUnit.MILLISECONDS);
            try {
                channel.connect(address);
                cutOff.cancel(false);
                cutOff = WATCHDOG.schedule(() -> closeQuietly(channel), timeoutMillis, TimeUnit.MILLISECONDS);
                channel.write(ByteBuffer.wrap(request));
                ByteBuffer head = ByteBuffer.allocate(5);
                while (head.hasRemaining()) {
                    if (channel.read(head) < 0) return false;
                }
                return new String(head.array(), StandardCharsets.US_ASCII).equals("HTTP/");
            } finally {
                cutOff.cancel(false);
            }
        } catch (IOException e) {
            return false;
        }
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // the probe fails, which is what the watchdog is for
        }
    }
}
