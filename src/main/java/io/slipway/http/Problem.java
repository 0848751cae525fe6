package io.slipway.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An RFC 9457 problem: {@code type} ends in {@code /problems/<slug>}, {@code detail} says what was wrong in words a
 * user can act on. Extra members (a build log's tail, say) go into {@link #extensions()}. A problem never carries an
 * exception's message unless that message was written for the user. A 401 carries the {@link Challenge} that says how
 * to authenticate (RFC 9110 §15.5.2 requires one).
 */
public record Problem(String slug, int status, String title, String detail, Duration retryAfter, Map<String, Object> extensions,
                      Challenge challenge) {
    public static final String TYPE_PREFIX = "https://slipway.dev/problems/";
    public static final String CONTENT_TYPE = "application/problem+json";
    /** Marks errors made by Slipway rather than by the app behind the proxy. */
    public static final String ERROR_HEADER = "X-Slipway-Error";

    public Problem {
        extensions = Map.copyOf(extensions);
        if (status == 401 && challenge == null) throw new IllegalArgumentException("a 401 needs a challenge: use Problem.unauthorized");
    }

    /** A problem of any status but 401, which needs no challenge. */
    public Problem(String slug, int status, String title, String detail, Duration retryAfter, Map<String, Object> extensions) {
        this(slug, status, title, detail, retryAfter, extensions, null);
    }

    /** Any status but 401: see {@link #unauthorized}. */
    public static Problem of(int status, String slug, String title, String detail) {
        return new Problem(slug, status, title, detail, null, Map.of());
    }

    /** A 401 that tells the client how to authenticate, in {@code WWW-Authenticate}. */
    public static Problem unauthorized(String slug, String detail, Challenge challenge) {
        return new Problem(slug, 401, "Unauthorized", detail, null, Map.of(), challenge);
    }

    public Problem withRetryAfter(Duration after) {
        return new Problem(slug, status, title, detail, after, extensions, challenge);
    }

    /** The same 401 with another challenge (an error code for credentials that were sent, say). */
    public Problem withChallenge(Challenge other) {
        return new Problem(slug, status, title, detail, retryAfter, extensions, other);
    }

    public Problem with(String member, Object value) {
        Map<String, Object> more = new LinkedHashMap<>(extensions);
        more.put(member, value);
        return new Problem(slug, status, title, detail, retryAfter, more, challenge);
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
     * {@code Retry-After} in whole seconds (at least 1) when set, and the {@link #challenge() challenge} of a 401.
     */
    public void forEachHeader(java.util.function.BiConsumer<String, String> header) {
        header.accept("Content-Type", CONTENT_TYPE);
        header.accept(ERROR_HEADER, slug);
        if (retryAfter != null) header.accept("Retry-After", Long.toString(Math.max(1, (retryAfter.toMillis() + 999) / 1000)));
        if (challenge != null) header.accept("WWW-Authenticate", challenge.header());
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

    /**
     * {@link #send(HttpServerResponse)} as the answer to {@code request}: to a HEAD, the status and headers only. Vert.x
     * leaves a HEAD's body out on HTTP/1.x but sends it on HTTP/2, where RFC 9113 §8.1.1 makes that a malformed
     * response (curl: "PROTOCOL_ERROR").
     */
    public void send(HttpServerRequest request) {
        HttpServerResponse response = request.response();
        if (request.method() != HttpMethod.HEAD || response.headWritten()) {
            send(response);
            return;
        }
        response.setStatusCode(status);
        forEachHeader(response::putHeader);
        response.end();
    }
}
