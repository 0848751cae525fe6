package io.slipway.logs;

/** Who wrote a line of an app's log: Slipway itself (lifecycle events), the app's build, or the app. */
public enum LogSource {
    SLIPWAY("slipway"), BUILD("build"), APP("app");

    private final String tag;

    LogSource(String tag) {
        this.tag = tag;
    }

    /** The name written in brackets after each line's instant: {@code [slipway]}, {@code [build]}, {@code [app]}. */
    public String tag() {
        return tag;
    }
}
