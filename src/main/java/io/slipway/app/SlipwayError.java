package io.slipway.app;

import java.time.Duration;
import java.util.Objects;

/**
 * What Slipway's core throws when it refuses or cannot do what it was asked, said in the core's own words: a
 * {@link Kind} (what went wrong), a stable {@link #slug()} that names it for clients and never changes, and a
 * {@link #detail()} written for the user, safe to show as it is. Where the caller can do something about it there are
 * typed extras: how long to wait before retrying ({@link #retryAfter()}), the tail of a log that says why
 * ({@link #logTail()}).
 *
 * <p>The core knows no protocol: which HTTP status a kind is, and how it is written as an RFC 9457 problem, is decided
 * once, in the web layer ({@code io.slipway.http.Problems}). A {@link Kind#INTERNAL} error's detail is for the log and
 * never reaches a client.
 */
public class SlipwayError extends RuntimeException {
    /** What went wrong, in the core's terms; a closed set the web layer maps, each to one status. */
    public enum Kind {
        /** The input is malformed or breaks a rule; the same request will fail again. */
        INVALID_INPUT,
        /** The input is larger than allowed. */
        TOO_LARGE,
        /** There is no such thing, or the caller may not know of it (another user's app is not found either). */
        NOT_FOUND,
        /** The caller is known but may not do this. */
        FORBIDDEN,
        /** The caller's plan allows no more of this (apps, say) until they free some or move to a larger plan. */
        QUOTA_EXCEEDED,
        /** The caller asks for too much at once (builds, say); the same request may pass after {@link SlipwayError#retryAfter()}. */
        THROTTLED,
        /** Slipway cannot serve this now (no room, not started in time); it may after {@link SlipwayError#retryAfter()}. */
        UNAVAILABLE,
        /** The input was taken but did not produce a working result (a build that fails). */
        UNPROCESSABLE,
        /** The app behind Slipway failed: it exited, or never answered where it should. */
        APP_FAILED,
        /** Slipway itself failed; the detail is for the log only. */
        INTERNAL
    }

    private final Kind kind;
    private final String slug;
    private final Duration retryAfter;
    private final String logTail;

    public SlipwayError(Kind kind, String slug, String detail) {
        this(kind, slug, detail, null, null);
    }

    /**
     * @param retryAfter how long the caller should wait before trying again, or null when waiting will not help
     * @param logTail    the end of a log that says why (a build's or the app's output), or null
     */
    public SlipwayError(Kind kind, String slug, String detail, Duration retryAfter, String logTail) {
        super(detail);
        this.kind = Objects.requireNonNull(kind, "kind");
        this.slug = Objects.requireNonNull(slug, "slug");
        if (slug.isBlank()) throw new IllegalArgumentException("a SlipwayError needs a slug");
        this.retryAfter = retryAfter;
        this.logTail = logTail;
    }

    public Kind kind() {
        return kind;
    }

    /** The stable name of this error, e.g. {@code quota-exceeded}: clients tell errors apart by it. */
    public String slug() {
        return slug;
    }

    /** What was wrong, in words the user can act on (the exception's message). */
    public String detail() {
        return getMessage();
    }

    /** How long the caller should wait before retrying, or null when retrying will not help. */
    public Duration retryAfter() {
        return retryAfter;
    }

    /** The end of the log that says why (a build's output, the app's last words), or null. */
    public String logTail() {
        return logTail;
    }
}
