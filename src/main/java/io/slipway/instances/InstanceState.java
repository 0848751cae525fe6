package io.slipway.instances;

import io.slipway.runtime.Sandbox;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/** The states of one app's instance. Only {@link AppInstance} moves between them, under its lock. */
sealed interface InstanceState {
    /** No process: never started since deploy or restart ({@code ready}), or put to sleep ({@code sleeping}). */
    record Asleep(boolean everStarted) implements InstanceState { }

    /** A start is under way; every request that arrives meanwhile waits on {@code ready}. */
    record Starting(CompletableFuture<Sandbox> ready, int waiters) implements InstanceState { }

    record Running(Sandbox sandbox, Instant since) implements InstanceState { }

    /** Going to sleep; requests that arrive meanwhile start it again once {@code stopped} completes. */
    record Stopping(CompletableFuture<Void> stopped) implements InstanceState { }

    /** The last start failed or the process died; no new start before {@code retryAt}. */
    record Failed(String reason, Instant retryAt) implements InstanceState { }
}
