package io.slipway.app;

import java.util.Locale;

/** Where an app is in its lifecycle (DESIGN §3); {@link #id()} is the {@code status} field of the API. */
public enum AppStatus {
    BUILDING, READY, SLEEPING, STARTING, RUNNING, FAILED;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static AppStatus fromId(String id) {
        return valueOf(id.toUpperCase(Locale.ROOT));
    }
}
