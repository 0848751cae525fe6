package io.slipway.instances;

import io.slipway.app.SlipwayError;
import java.time.Duration;

/**
 * A request that cannot reach its app, for a reason Slipway itself gives: the app failed, did not start in time,
 * or there is no room. {@link #slug()} becomes the problem type and the {@code X-Slipway-Error} header.
 */
public final class InstanceUnavailableException extends SlipwayError {
    /** The slug of {@link #heldElsewhere}. */
    public static final String HELD_ELSEWHERE = "held-elsewhere";

    private InstanceUnavailableException(Kind kind, String slug, String detail, Duration retryAfter, String logTail) {
        // A blank log says nothing: the client is not sent an empty tail.
        super(kind, slug, detail, retryAfter, logTail == null || logTail.isBlank() ? null : logTail);
    }

    static InstanceUnavailableException appFailed(String reason, Duration retryAfter, String logTail) {
        return new InstanceUnavailableException(Kind.APP_FAILED, "app-failed", reason, retryAfter, logTail);
    }

    static InstanceUnavailableException queueFull(int waiters) {
        return new InstanceUnavailableException(Kind.UNAVAILABLE, "queue-full",
                waiters + " requests are already waiting for this app to start", Duration.ofSeconds(1), null);
    }

    static InstanceUnavailableException capacity(int maxRunning) {
        return new InstanceUnavailableException(Kind.UNAVAILABLE, "capacity",
                "all " + maxRunning + " instance slots are busy serving requests", Duration.ofSeconds(5), null);
    }

    /** For a {@link StartGate}: another replica runs the app now, so this one must not start it. */
    public static InstanceUnavailableException heldElsewhere() {
        return new InstanceUnavailableException(Kind.UNAVAILABLE, HELD_ELSEWHERE,
                "another replica of Slipway runs this app now; try again, and the request goes to it", Duration.ofSeconds(1), null);
    }

    /** For a {@link StartGate}: the app cannot run here, for {@code reason} (its build could not be made here). */
    public static InstanceUnavailableException cannotRunHere(String reason, String logTail) {
        return appFailed(reason, null, logTail);
    }

    static InstanceUnavailableException notFound() {
        return new InstanceUnavailableException(Kind.NOT_FOUND, "not-found", "no app with this id", null, null);
    }

    /** The app was not ready within the time a request waits for it ({@code instances.maxWait}). */
    public static InstanceUnavailableException startTimeout() {
        return new InstanceUnavailableException(Kind.UNAVAILABLE, "start-timeout", "the app did not become ready in time",
                Duration.ofSeconds(2), null);
    }
}
