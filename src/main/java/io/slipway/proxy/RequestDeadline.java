package io.slipway.proxy;

import io.slipway.config.Durations;
import io.slipway.http.Problem;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpServerRequest;
import java.time.Duration;

/**
 * An app's {@code requestTimeout} for one request: if the app has not begun its answer (status line and headers) within
 * it, the request to the app is reset and the client is answered {@code 504 request-timeout}, said as Slipway's own
 * ({@code X-Slipway-Error}). Once the answer has begun, the deadline is gone: a stream (SSE, a long chunked body) runs on
 * under the idle rules. One timer per request, set only for an app with a timeout; on the request's event loop, as
 * every call here is.
 */
final class RequestDeadline {
    static final String SLUG = "request-timeout";

    private final Vertx vertx;
    private final long timer;
    private boolean answered;
    private boolean expired;

    private RequestDeadline(Vertx vertx, Duration timeout, HttpServerRequest incoming, HttpClientRequest toApp) {
        this.vertx = vertx;
        this.timer = vertx.setTimer(Math.max(1, timeout.toMillis()), id -> expire(timeout, incoming, toApp));
    }

    /** The deadline of a request just sent to the app, or null when the app has no timeout. */
    static RequestDeadline start(Vertx vertx, Duration timeout, HttpServerRequest incoming, HttpClientRequest toApp) {
        return timeout == null ? null : new RequestDeadline(vertx, timeout, incoming, toApp);
    }

    /** The app's answer has begun: the deadline no longer applies. */
    void answered() {
        answered = true;
        vertx.cancelTimer(timer);
    }

    /** Whether the request was cut off by the deadline: its failure then is this deadline's, answered already. */
    boolean expired() {
        return expired;
    }

    private void expire(Duration timeout, HttpServerRequest incoming, HttpClientRequest toApp) {
        if (answered) return;
        expired = true;
        // The app stops working for a client that has been answered.
        toApp.reset();
        if (incoming.response().ended() || incoming.response().closed()) return;
        Problem.of(504, SLUG, "Gateway Timeout", "the app did not begin its answer within its requestTimeout ("
                + Durations.format(timeout) + "): make the route answer sooner, or raise requestTimeout (PATCH the app's settings)")
                .send(incoming.response());
        incoming.resume();
    }
}
