package io.slipway.metering;

/** Use not yet written: active milliseconds and requests since the last flush of one app. */
public record Usage(long activeMillis, long requests) {
    public static final Usage NONE = new Usage(0, 0);

    public boolean isEmpty() {
        return activeMillis == 0 && requests == 0;
    }
}
