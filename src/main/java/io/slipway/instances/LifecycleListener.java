package io.slipway.instances;

import io.slipway.app.AppStatus;
import java.time.Instant;

/** Told of every transition, on the thread that made it (never an event loop), so it may block. */
public interface LifecycleListener {
    /**
     * @param error        why the app failed, for {@link AppStatus#FAILED}; null otherwise
     * @param lastActiveAt the last request's time, when known
     */
    void onStatus(String appId, AppStatus status, String error, Instant lastActiveAt);

    /**
     * A sandbox's start has ended, {@code nanos} after it began: its app answered its readiness check ({@code ready}),
     * or it did not (it exited, never listened, or the runtime could not start it). A start refused for want of a free
     * slot never began. A redeploy's new version is a start too.
     */
    default void onStart(String appId, boolean ready, long nanos) {
    }

    /** This listener, then {@code next}, for every call. */
    default LifecycleListener andThen(LifecycleListener next) {
        LifecycleListener first = this;
        return new LifecycleListener() {
            @Override
            public void onStatus(String appId, AppStatus status, String error, Instant lastActiveAt) {
                first.onStatus(appId, status, error, lastActiveAt);
                next.onStatus(appId, status, error, lastActiveAt);
            }

            @Override
            public void onStart(String appId, boolean ready, long nanos) {
                first.onStart(appId, ready, nanos);
                next.onStart(appId, ready, nanos);
            }
        };
    }
}
