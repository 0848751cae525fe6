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
        long deadline = System.nanoTime() + budget.toNanos();
        long pause = 5;
        while (System.nanoTime() < deadline) {
            if (sandbox.exited().isDone()) {
                throw failed(sandbox.exited().join().reason("before it listened on $PORT"), logTail);
            }
            if (check.probe(sandbox.address(), Duration.ofSeconds(1))) return;
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
