package io.slipway.metering;

/**
 * Use not yet written, of one app since the last flush: active milliseconds, requests, and bytes in (from clients to
 * the app: request bodies, WebSocket frames) and out (from the app to clients).
 */
public record Usage(long activeMillis, long requests, long bytesIn, long bytesOut) {
    public static final Usage NONE = new Usage(0, 0, 0, 0);

    public Usage plus(Usage other) {
        return new Usage(activeMillis + other.activeMillis, requests + other.requests, bytesIn + other.bytesIn, bytesOut + other.bytesOut);
    }

    public Usage minus(Usage other) {
        return new Usage(activeMillis - other.activeMillis, requests - other.requests, bytesIn - other.bytesIn, bytesOut - other.bytesOut);
    }

    public boolean isEmpty() {
        return activeMillis == 0 && requests == 0 && bytesIn == 0 && bytesOut == 0;
    }
}
