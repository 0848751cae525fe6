package io.slipway.proxy;

import io.netty.handler.codec.TooLongFrameException;
import io.slipway.http.Problem;
import io.vertx.core.http.HttpServerRequest;

/**
 * Requests that cannot even be parsed — a head over {@code proxy.maxHeaderSize}, a request line too long, broken
 * syntax — get a problem like every other refusal, instead of Vert.x's bare status line. The connection is closed.
 */
public final class InvalidRequests {
    private InvalidRequests() {
    }

    public static void answer(HttpServerRequest request) {
        Throwable cause = request.decoderResult() == null ? null : request.decoderResult().cause();
        String message = cause == null || cause.getMessage() == null ? "" : cause.getMessage();
        Problem problem;
        if (cause instanceof TooLongFrameException && message.contains("header")) {
            problem = Problem.of(431, "headers-too-large", "Request Header Fields Too Large", "the request's headers are too large");
        } else if (cause instanceof TooLongFrameException) {
            problem = Problem.of(414, "uri-too-long", "URI Too Long", "the request line is too long");
        } else {
            problem = Problem.of(400, "bad-request", "Bad Request", "the request is not valid HTTP");
        }
        request.response().putHeader("Connection", "close");
        problem.send(request.response());
    }
}
