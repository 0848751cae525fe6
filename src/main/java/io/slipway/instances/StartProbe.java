package io.slipway.instances;

import io.slipway.runtime.Sandbox;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Waits for a new sandbox's app to pass its {@link ReadinessCheck} (HTTP on {@code $PORT}, by default), and says why it did not: it
 * exited first (with its exit and log), or it never answered (and where it listens instead, the usual mistake being a
 * fixed port or loopback only). Blocking; run it on a virtual thread.
 */
final class StartProbe {
    private StartProbe() {
    }

    /** @throws InstanceUnavailableException {@code app-failed} with the reason and the log's tail */
    static void awaitReady(Sandbox sandbox, ReadinessCheck check, Duration budget, Supplier<String> logTail) {
        long begun = System.nanoTime();
        long deadline = begun + budget.toNanos();
        long pause = 5;
        Elsewhere elsewhere = new Elsewhere(sandbox, begun);
        while (System.nanoTime() < deadline) {
            if (sandbox.exited().isDone()) {
                throw failed(sandbox.exited().join().reason("before it listened on $PORT"), logTail);
            }
            if (check.probe(sandbox.address(), Duration.ofSeconds(1))) return;
            if (elsewhere.settled()) throw failed("the app listens, but not where Slipway sends requests" + listeningHint(sandbox), logTail);
            try {
                Thread.sleep(pause); // a poll interval while a child process boots, not a test waiting for a condition
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            pause = Math.min(pause * 2, 50);
        }
        throw failed("the app did not " + check.waitsFor() + " within " + budget.toSeconds() + " s" + listeningHint(sandbox), logTail);
    }

    /**
     * Whether the app has settled on listening elsewhere: past its first second, it has listened on some port but not on
     * {@code $PORT} of an address Slipway reaches, and still did half a second later. An app that opens another port
     * first (a debugger's, a metrics port) and {@code $PORT} soon after is not taken for one.
     */
    private static final class Elsewhere {
        private static final long GRACE = Duration.ofSeconds(1).toNanos();
        private static final long SETTLED = Duration.ofMillis(500).toNanos();
        private final Sandbox sandbox;
        private final long begun;
        private long lastLook;
        private long seenSince = -1;

        Elsewhere(Sandbox sandbox, long begun) {
            this.sandbox = sandbox;
            this.begun = begun;
        }

        boolean settled() {
            long now = System.nanoTime();
            if (now - begun < GRACE || now - lastLook < SETTLED / 5 || !(sandbox.address() instanceof InetSocketAddress expected)) return false;
            lastLook = now;
            boolean away = sandbox.listening().map(sockets -> !sockets.isEmpty() && sockets.stream().noneMatch(s -> reaches(expected, s)))
                    .orElse(false);
            if (!away) {
                seenSince = -1;
                return false;
            }
            if (seenSince < 0) seenSince = now;
            return now - seenSince >= SETTLED;
        }

        /** A socket on {@code $PORT}, on every address or on the one Slipway dials. */
        private static boolean reaches(InetSocketAddress expected, InetSocketAddress socket) {
            if (socket.getPort() != expected.getPort()) return false;
            return socket.getAddress().isAnyLocalAddress() || socket.getAddress().equals(expected.getAddress());
        }
    }

    private static InstanceUnavailableException failed(String reason, Supplier<String> logTail) {
        return InstanceUnavailableException.appFailed(reason, null, logTail.get());
    }

    /** Where an app that never answered listens instead, when its runtime can tell: the usual mistake is a fixed port. */
    static String listeningHint(Sandbox sandbox) {
        return sandbox.listening().map(sockets -> {
            String expected = sandbox.address() instanceof InetSocketAddress a ? " (" + a.getPort() + ")" : "";
            if (sockets.isEmpty()) return "; it listens on no TCP port: it should listen on $PORT" + expected + ", which Slipway sets";
            String where = sockets.stream().map(s -> host(s) + ":" + s.getPort()).distinct().collect(Collectors.joining(", "));
            return "; it listens on " + where + " instead of $PORT" + expected + " on $HOST (0.0.0.0), which Slipway sets";
        }).orElse("");
    }

    private static String host(InetSocketAddress socket) {
        if (!(socket.getAddress() instanceof Inet6Address v6)) return socket.getAddress().getHostAddress();
        return v6.isAnyLocalAddress() ? "[::]" : v6.isLoopbackAddress() ? "[::1]" : "[" + v6.getHostAddress() + "]";
    }
}
