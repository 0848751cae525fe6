package io.slipway.instances;

import java.net.SocketAddress;
import java.time.Duration;

/**
 * How Slipway tells that a new sandbox's app is ready for traffic, as a small strategy object in the way of
 * testcontainers' wait strategies: {@link #http()} today (any HTTP answer on {@code $PORT}); an MCP handshake can be
 * another. {@link StartProbe} calls {@link #probe} until it passes, the app exits or the start's budget runs out.
 */
public interface ReadinessCheck {
    /**
     * One attempt: true when the app at {@code address} is ready. Blocks for at most {@code timeout}; never throws
     * for an app that is not ready yet (a refused connection, a reset, silence), only answers false.
     */
    boolean probe(SocketAddress address, Duration timeout);

    /** What the check waits for, in the words of a failed start's reason: "answer HTTP on $PORT". */
    String waitsFor();

    /** Ready once the address accepts a connection and answers an HTTP request for {@code /} with any status line. */
    static ReadinessCheck http() {
        return HttpReadiness.ROOT;
    }

    /**
     * Ready once the address answers {@code GET path} with any status line: for an app whose {@code /} should not be
     * called at every start (a route with side effects, a slow page).
     *
     * @param path an origin-form path, already checked to hold no space or line break (the upload's {@code healthPath})
     */
    static ReadinessCheck http(String path) {
        return "/".equals(path) ? HttpReadiness.ROOT : HttpReadiness.of(path);
    }
}
