package io.slipway.build;

import io.slipway.app.Language;

/** What a metrics exporter hears of every build; called on the build's thread (a virtual one), after it ended. */
@FunctionalInterface
public interface BuildListener {
    BuildListener NONE = (language, built, nanos) -> { };

    /**
     * A build ended after {@code nanos}: its code and dependencies are ready ({@code built}), or it failed (an install
     * that failed or timed out, a local import, a dependency set that could not be made).
     */
    void ended(Language language, boolean built, long nanos);
}
