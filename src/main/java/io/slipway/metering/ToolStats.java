package io.slipway.metering;

/** Calls of one tool, those that erred, and the milliseconds from each call sent to its response seen, summed. */
public record ToolStats(long calls, long errors, long millis) {
    public static final ToolStats NONE = new ToolStats(0, 0, 0);

    public ToolStats plus(ToolStats other) {
        return new ToolStats(calls + other.calls, errors + other.errors, millis + other.millis);
    }

    public ToolStats minus(ToolStats other) {
        return new ToolStats(calls - other.calls, errors - other.errors, millis - other.millis);
    }

    public boolean isEmpty() {
        return calls == 0 && errors == 0 && millis == 0;
    }
}
