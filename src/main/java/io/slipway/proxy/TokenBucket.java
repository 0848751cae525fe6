package io.slipway.proxy;

/**
 * A request rate limit: {@code rate} tokens a second, at most {@code burst} saved up. Thread-safe and cheap enough
 * for every proxied request; time comes from {@link System#nanoTime()}, which only ever measures intervals here.
 */
final class TokenBucket {
    private final double rate;
    private final double burst;
    private double tokens;
    private long last;

    TokenBucket(double rate) {
        this.rate = rate;
        this.burst = Math.max(1, 2 * rate);
        this.tokens = burst;
        this.last = System.nanoTime();
    }

    /** Takes one token: 0 when there was one, else the nanoseconds until there will be. */
    synchronized long take() {
        long now = System.nanoTime();
        tokens = Math.min(burst, tokens + (now - last) / 1e9 * rate);
        last = now;
        if (tokens >= 1) {
            tokens -= 1;
            return 0;
        }
        return (long) Math.ceil((1 - tokens) / rate * 1e9);
    }
}
