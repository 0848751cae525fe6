package io.slipway.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An RFC 9457 problem: {@code type} ends in {@code /problems/<slug>}, {@code detail} says what was wrong in words a
 * user can act on. Extra members (a build log's tail, say) go into {@link #extensions()}. A problem never carries an
 * exception's message unless that message was written for the user.
 */
public record Problem(String slug, int status, String title, String detail, Duration retryAfter, Map<String, Object> extensions) {
    public static final String TYPE_PREFIX = "https://slipway.dev/problems/";
    public static final String CONTENT_TYPE = "application/problem+json";
    /** Marks errors made by Slipway rather than by the app behind the proxy. */
    public static final String ERROR_HEADER = "X-Slipway-Error";

    public Problem {
        extensions = Map.copyOf(extensions);
    }

    public static Problem of(int status, String slug, String title, String detail) {
        return new Problem(slug, status, title, detail, null, Map.of());
    }

    public Problem withRetryAfter(Duration after) {
        return new Problem(slug, status, title, detail, after, extensions);
    }

    public Problem with(String member, Object value) {
        Map<String, Object> more = new LinkedHashMap<>(extensions);
        more.put(member, value);
        return new Problem(slug, status, title, detail, retryAfter, more);
    }

    public JsonObject toJson() {
        JsonObject json = new JsonObject().put("type", TYPE_PREFIX + slug).put("title", title).put("status", status);
        if (detail != null) json.put("detail", detail);
        extensions.forEach(json::put);
        return json;
    }

    public Buffer body() {
        return toJson().toBuffer();
    }

    /**
     * The headers every Slipway problem carries, wherever it is written: the media type, {@code X-Slipway-Error},
     * {@code Retry-After} in whole seconds (at least 1) when set, and {@code WWW-Authenticate} on a 401.
     */
    public void forEachHeader(java.util.function.BiConsumer<String, String> header) {
        header.accept("Content-Type", CONTENT_TYPE);
        header.accept(ERROR_HEADER, slug);
        if (retryAfter != null) header.accept("Retry-After", Long.toString(Math.max(1, (retryAfter.toMillis() + 999) / 1000)));
        if (status == 401) header.accept("WWW-Authenticate", "Bearer");
    }

    /** Writes the problem as the whole response, with {@link #forEachHeader its headers}. */
    public void send(HttpServerResponse response) {
        if (response.headWritten()) {
            response.reset();
            return;
        }
        response.setStatusCode(status);
        forEachHeader(response::putHeader);
        response.end(body());
    }
}
