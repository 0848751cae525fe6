package io.slipway.proxy;

import io.vertx.core.http.HttpServerResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Several parties waiting for one response's end or its connection's close (a lease to release, the access log, a
 * relay to reset): Vert.x keeps one end handler and one close handler per response, and a second call replaces the
 * first, so each party registers here instead. Each action runs once, on the response's event loop; the registration
 * is dropped when the response has ended, or its connection closed first.
 */
final class ResponseEnds {
    private static final Map<HttpServerResponse, Actions> WAITING = new ConcurrentHashMap<>();

    private static final class Actions {
        final List<Runnable> onEnd = new ArrayList<>();
        final List<Runnable> onClose = new ArrayList<>();
    }

    private ResponseEnds() {
    }

    /** Runs {@code end} when the response has been completely written. */
    static void onEnd(HttpServerResponse response, Runnable end) {
        actions(response).onEnd.add(end);
    }

    /** Runs {@code close} when the response's connection closes before the response has ended. */
    static void onClose(HttpServerResponse response, Runnable close) {
        actions(response).onClose.add(close);
    }

    private static Actions actions(HttpServerResponse response) {
        return WAITING.computeIfAbsent(response, r -> {
            Actions actions = new Actions();
            r.endHandler(v -> {
                // Dropped at the end: a keep-alive connection closes long after, and what waits for a close cares only
                // about one that comes first. Vert.x calls the end handler of a response whose connection closed
                // before it ended too, and may do so ahead of the close handler: that is a close.
                Actions ended = WAITING.remove(r);
                if (ended == null) return;
                if (!r.ended()) List.copyOf(ended.onClose).forEach(Runnable::run);
                List.copyOf(ended.onEnd).forEach(Runnable::run);
            });
            r.closeHandler(v -> {
                Actions closed = WAITING.remove(r);
                if (closed != null) List.copyOf(closed.onClose).forEach(Runnable::run);
            });
            return actions;
        });
    }
}
