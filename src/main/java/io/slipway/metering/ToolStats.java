package io.slipway.metering;

/**
 * Calls of one tool, those that erred, and the time from each call sent to its response seen, summed in microseconds
 * (so that calls faster than a millisecond still add up).
 */
public record ToolStats(long calls, long errors, long micros) {
    public static final ToolStats NONE = new ToolStats(0, 0, 0);

    public ToolStats plus(ToolStats other) {
        return new ToolStats(calls + other.calls, errors + other.errors, micros + other.micros);
    }

    public ToolStats minus(ToolStats other) {
        return new ToolStats(calls - other.calls, errors - other.errors, micros - other.micros);
    }

    /** The summed time in whole milliseconds, as the API shows it. */
    public long millis() {
        return micros / 1000;
    }

    public boolean isEmpty() {
        return calls == 0 && errors == 0 && micros == 0;
    }
}
