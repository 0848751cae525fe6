package io.slipway.config;

import java.time.Duration;

/**
 * Following an app's log ({@code GET …/logs?follow=true}): at most {@code maxFollowersPerApp} streams of one app and
 * {@code maxFollowersPerUser} of one user's apps are open at once, past which a follow is refused (429); a stream that
 * carried nothing for {@code keepAliveInterval} gets a comment, so that idle timeouts on its way (Slipway's own
 * {@code proxy.idleTimeout}, a reverse proxy's) do not cut it.
 */
public record LogSettings(int maxFollowersPerApp, int maxFollowersPerUser, Duration keepAliveInterval) {
    public LogSettings {
        if (maxFollowersPerApp < 1 || maxFollowersPerUser < 1) {
            throw new IllegalArgumentException("logs.maxFollowersPerApp and logs.maxFollowersPerUser must be at least 1");
        }
        if (keepAliveInterval.toMillis() < 100) throw new IllegalArgumentException("logs.keepAliveInterval must be at least 100ms");
    }
}
