package io.slipway.api;

import io.slipway.config.LogSettings;
import io.slipway.http.Problem;
import io.slipway.http.ProblemException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The places of log followers: at most {@code logs.maxFollowersPerApp} streams of one app and
 * {@code logs.maxFollowersPerUser} of one user's apps at once. A follower takes its place before its stream begins and
 * gives it back the moment its client leaves or its stream ends, so that a closed follower makes room at once.
 * Thread-safe.
 */
final class LogFollowers {
    /** No one can know when a place frees; a few seconds is what a person or a retrying script would wait anyway. */
    static final Duration RETRY_AFTER = Duration.ofSeconds(5);

    private final LogSettings settings;
    private final Map<String, Integer> perApp = new HashMap<>();
    private final Map<String, Integer> perUser = new HashMap<>();

    LogFollowers(LogSettings settings) {
        this.settings = settings;
    }

    /** One follower's place; {@link #release} is idempotent. */
    final class Place {
        private final String user;
        private final String app;
        private final AtomicBoolean released = new AtomicBoolean();

        private Place(String user, String app) {
            this.user = user;
            this.app = app;
        }

        void release() {
            if (released.compareAndSet(false, true)) free(user, app);
        }
    }

    /**
     * A place for one more follower of {@code app}, owned by {@code user}.
     *
     * @throws ProblemException {@code too-many-followers} (429, with {@code Retry-After}) past either cap
     */
    synchronized Place admit(String user, String app) {
        if (perApp.getOrDefault(app, 0) >= settings.maxFollowersPerApp()) {
            throw refused("app " + app + " already has " + settings.maxFollowersPerApp() + " log streams open, as many as "
                    + "logs.maxFollowersPerApp allows");
        }
        if (perUser.getOrDefault(user, 0) >= settings.maxFollowersPerUser()) {
            throw refused("you already have " + settings.maxFollowersPerUser() + " log streams open, as many as "
                    + "logs.maxFollowersPerUser allows");
        }
        perApp.merge(app, 1, Integer::sum);
        perUser.merge(user, 1, Integer::sum);
        return new Place(user, app);
    }

    private synchronized void free(String user, String app) {
        perApp.computeIfPresent(app, (k, n) -> n > 1 ? n - 1 : null);
        perUser.computeIfPresent(user, (k, n) -> n > 1 ? n - 1 : null);
    }

    private static ProblemException refused(String why) {
        return new ProblemException(Problem.of(429, "too-many-followers", "Too Many Requests", why + ": close one of them "
                + "(a stream holds its place until its connection closes), or read the log once without ?follow=true")
                .withRetryAfter(RETRY_AFTER));
    }
}
