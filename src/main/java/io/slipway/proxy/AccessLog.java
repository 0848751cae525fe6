package io.slipway.proxy;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data plane's access log: one line per exchange with an app, on the logger {@value #LOGGER}, once its answer has
 * been sent or its connection went: the app, the method, the path without its query (a query may carry a secret), the
 * status, the bytes of the answer's body and the time from the request's arrival. What the client sent is cut to 200
 * characters with control characters replaced, so that no request forges a line of its own.
 */
final class AccessLog {
    static final String LOGGER = "io.slipway.access";
    private static final Logger LOG = LoggerFactory.getLogger(LOGGER);
    private static final int MAX_PATH = 200;

    private AccessLog() {
    }

    /** Writes the request's line when its response ends or its connection closes first, whichever comes first. */
    static void follow(HttpServerRequest request, String appId, long arrivedNanos) {
        if (!LOG.isInfoEnabled()) return;
        HttpServerResponse response = request.response();
        boolean[] written = {false};
        Runnable write = () -> {
            if (written[0]) return;
            written[0] = true;
            LOG.info("app={} method={} path={} status={} bytes={} ms={}{}", appId == null ? "-" : appId, request.method().name(),
                    printable(request.path()), response.getStatusCode(), response.bytesWritten(),
                    String.format(java.util.Locale.ROOT, "%.1f", (System.nanoTime() - arrivedNanos) / 1e6),
                    response.ended() ? "" : " closed=true");
        };
        ResponseEnds.onEnd(response, write);
        ResponseEnds.onClose(response, write);
    }

    static String printable(String path) {
        if (path == null) return "-";
        String cut = path.length() > MAX_PATH ? path.substring(0, MAX_PATH) + "…" : path;
        return cut.replaceAll("[\\p{Cntrl}\\s]", "?");
    }
}
