package io.slipway.proxy;

/** What a metrics exporter hears of every exchange of the data plane; called on event loops, so it must not block. */
@FunctionalInterface
public interface ExchangeListener {
    ExchangeListener NONE = (appId, status, nanos) -> { };

    /**
     * The answer's headers went out, {@code nanos} after the request arrived: the app's answer, or Slipway's in its place.
     *
     * @param appId the app's id; null when the request named no deployed app (a 404), so that made-up ids are not kept
     */
    void answered(String appId, int status, long nanos);
}
