package io.slipway.http;

import io.slipway.app.SlipwayError;
import io.slipway.app.SlipwayError.Kind;
import java.util.Map;

/**
 * The one mapping from the core's {@link SlipwayError} to the RFC 9457 {@link Problem} a client gets, used by the API's
 * failure handler and by the proxy alike: the error's {@link Kind} decides the status, its slug the {@code type} (and
 * {@code X-Slipway-Error}), its detail the {@code detail}, its retry-after the {@code Retry-After} header and its log
 * tail the {@code logTail} member. The statuses and slugs are a contract clients rely on (DESIGN §2).
 *
 * <p>A 500 never echoes what went wrong inside: an {@link Kind#INTERNAL} error, like any exception that is not a
 * {@link SlipwayError} ({@link #internalError()}), is answered with a fixed detail, and the caller logs the cause.
 */
public final class Problems {
    static final String INTERNAL_DETAIL = "Slipway failed to handle this request; the server log has the details";
    /**
     * RFC 9457 §3.1.4: the title belongs to the problem type. Types whose title is not their kind's keep the one they
     * have always had.
     */
    private static final Map<String, String> TITLES = Map.of(
            "file-too-large", "Invalid Upload",
            "unknown-plan", "Unknown Plan",
            "too-many-builds", "Too Many Builds",
            "build-queue-full", "Too Many Builds",
            "build-queue-timeout", "Build Not Started",
            "start-timeout", "App Not Ready",
            "build-failed", "Build Failed",
            "start-failed", "Start Failed");

    private Problems() {
    }

    /** The HTTP status of every error of {@code kind}. */
    public static int status(Kind kind) {
        return switch (kind) {
            case INVALID_INPUT -> 400;
            case TOO_LARGE -> 413;
            case NOT_FOUND -> 404;
            case FORBIDDEN, QUOTA_EXCEEDED -> 403;
            case THROTTLED -> 429;
            case UNAVAILABLE -> 503;
            case UNPROCESSABLE -> 422;
            case APP_FAILED -> 502;
            case INTERNAL -> 500;
        };
    }

    /** The problem a client is answered with for {@code error}. */
    public static Problem of(SlipwayError error) {
        if (error.kind() == Kind.INTERNAL) {
            return Problem.of(500, error.slug(), title(error), INTERNAL_DETAIL);
        }
        Problem problem = new Problem(error.slug(), status(error.kind()), title(error), error.detail(), error.retryAfter(), Map.of());
        return error.logTail() == null ? problem : problem.with("logTail", error.logTail());
    }

    /** The answer to a failure that is not a {@link SlipwayError}: a 500 that says nothing of it. */
    public static Problem internalError() {
        return Problem.of(500, "internal-error", "Internal Server Error", INTERNAL_DETAIL);
    }

    private static String title(SlipwayError error) {
        String own = TITLES.get(error.slug());
        if (own != null) return own;
        return switch (error.kind()) {
            // Every refused input has been titled so; most are an upload's fields.
            case INVALID_INPUT -> "Invalid Upload";
            case TOO_LARGE -> "Content Too Large";
            case NOT_FOUND -> "Not Found";
            case FORBIDDEN -> "Forbidden";
            case QUOTA_EXCEEDED -> "Quota Exceeded";
            case THROTTLED -> "Too Many Requests";
            case UNAVAILABLE -> "Service Unavailable";
            case UNPROCESSABLE -> "Unprocessable Content";
            case APP_FAILED -> "App Failed";
            case INTERNAL -> "Internal Server Error";
        };
    }
}
