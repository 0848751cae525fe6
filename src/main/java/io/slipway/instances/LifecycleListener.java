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
}
