package io.slipway.instances;

import java.time.Duration;

/**
 * A request that cannot reach its app, for a reason Slipway itself gives: the app failed, did not start in time,
 * or there is no room. {@link #slug()} becomes the problem type and the {@code X-Slipway-Error} header.
 */
public final class InstanceUnavailableException extends RuntimeException {
    private final String slug;
    private final int status;
    private final Duration retryAfter;
    private final String logTail;

    public InstanceUnavailableException(String slug, int status, String detail, Duration retryAfter, String logTail) {
        super(detail);
        this.slug = slug;
        this.status = status;
        this.retryAfter = retryAfter;
        this.logTail = logTail;
    }

    static InstanceUnavailableException appFailed(String reason, Duration retryAfter, String logTail) {
        return new InstanceUnavailableException("app-failed", 502, reason, retryAfter, logTail);
    }

    static InstanceUnavailableException queueFull(int waiters) {
        return new InstanceUnavailableException("queue-full", 503,
                waiters + " requests are already waiting for this app to start", Duration.ofSeconds(1), null);
    }

    static InstanceUnavailableException capacity(int maxRunning) {
        return new InstanceUnavailableException("capacity", 503,
                "all " + maxRunning + " instance slots are busy serving requests", Duration.ofSeconds(5), null);
    }

    static InstanceUnavailableException notFound() {
        return new InstanceUnavailableException("not-found", 404, "no app with this id", null, null);
    }

    public String slug() {
        return slug;
    }

    public int status() {
        return status;
    }

    /** The end of the app's log when the app failed, or null. */
    public String logTail() {
        return logTail;
    }

    /** How long the client should wait before retrying, or null when retrying will not help. */
    public Duration retryAfter() {
        return retryAfter;
    }
}
