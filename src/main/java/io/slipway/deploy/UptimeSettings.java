package io.slipway.deploy;

import io.slipway.app.InvalidInputException;
import io.slipway.config.Durations;
import io.slipway.config.Plan;
import java.time.Duration;

/**
 * The rules of the two settings that bound how an app is served, each within its plan: {@code alwaysOn} (never put to
 * sleep; the plan's {@code alwaysOn} says how many of a user's apps may be) and {@code requestTimeout} (how long the data
 * plane waits for an answer to begin; at most the plan's {@code maxRequestTimeout}). Checked alike at an upload, a
 * redeploy and a PATCH; each refusal is {@code 400} and says the bound and what to do.
 */
final class UptimeSettings {
    /** What {@code requestTimeout} is set to for no timeout (the default), besides JSON's {@code null}. */
    static final String NO_TIMEOUT = "none";

    private UptimeSettings() {
    }

    /**
     * A request timeout as an upload's field or a PATCH's string sends it: a duration such as {@code 30s} or a number of
     * seconds, at least 1 s and at most the plan's {@code maxRequestTimeout}; {@value #NO_TIMEOUT} (or an empty field)
     * for none. Null for none.
     */
    static Duration requestTimeout(String raw, Plan plan) {
        String text = raw.trim();
        if (text.isEmpty() || text.equals(NO_TIMEOUT)) return null;
        Duration d;
        try {
            d = Durations.parse(text);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("invalid-request-timeout", "requestTimeout '" + UploadValidator.printable(text)
                    + "' is not a duration such as 30s, 2m or a number of seconds (or none, for no timeout)");
        }
        if (d.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new InvalidInputException("invalid-request-timeout", "requestTimeout must be at least 1s (or none, for no timeout)");
        }
        if (d.compareTo(plan.maxRequestTimeout()) > 0) {
            throw new InvalidInputException("invalid-request-timeout", "requestTimeout must be at most " + Durations.format(plan.maxRequestTimeout())
                    + " on the " + plan.name() + " plan: set a shorter one, or none (no timeout), or move to a plan that allows longer");
        }
        return d;
    }

    /**
     * That one more of the owner's apps may be always on, {@code others} of their apps being so already.
     *
     * @throws InvalidInputException {@code always-on-not-allowed} when the plan allows none, or no more
     */
    static void allowAlwaysOn(Plan plan, long others) {
        if (plan.alwaysOn() == 0) {
            throw new InvalidInputException("always-on-not-allowed", "the " + plan.name() + " plan does not allow alwaysOn apps: every app "
                    + "sleeps after sleepAfter without requests (set a longer sleepAfter, up to the plan's " + Durations.format(plan.maxSleepAfter())
                    + ", or move to a plan that allows alwaysOn apps)");
        }
        if (others >= plan.alwaysOn()) {
            throw new InvalidInputException("always-on-not-allowed", "the " + plan.name() + " plan allows " + plan.alwaysOn() + " alwaysOn app"
                    + (plan.alwaysOn() == 1 ? "" : "s") + ", and you have " + others + " already: set alwaysOn to false on one of them first, "
                    + "or move to a plan that allows more");
        }
    }

    /** {@code true} or {@code false}, as an upload's field sends it (empty for false). */
    static boolean alwaysOn(String raw) {
        return switch (raw.trim()) {
            case "", "false" -> false;
            case "true" -> true;
            default -> throw new InvalidInputException("invalid-always-on", "alwaysOn must be true or false");
        };
    }
}
