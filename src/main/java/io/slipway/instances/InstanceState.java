package io.slipway.instances;

import io.slipway.runtime.Sandbox;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/** The states of one app's instance. Only {@link AppInstance} moves between them, under its lock. */
sealed interface InstanceState {
    /** No process: never started since deploy or restart ({@code ready}), or put to sleep ({@code sleeping}). */
    record Asleep(boolean everStarted) implements InstanceState { }

    /** A start is under way; every request that arrives meanwhile waits on {@code ready}. */
    record Starting(CompletableFuture<Running> ready, int waiters) implements InstanceState { }

    /**
     * The sandbox runs. {@code gone} completes, with the {@link System#nanoTime()} at which its end was seen, once the
     * instance has let go of it (it exited, or was stopped): requests whose connection to it failed wait for it.
     */
    record Running(Sandbox sandbox, Instant since, CompletableFuture<Long> gone) implements InstanceState {
        Running(Sandbox sandbox, Instant since) {
            this(sandbox, since, new CompletableFuture<>());
        }
    }

    /** Going to sleep; requests that arrive meanwhile start it again once {@code stopped} completes. */
    record Stopping(CompletableFuture<Void> stopped) implements InstanceState { }

    /** The last start failed or the process died; no new start before {@code retryAt}. */
    record Failed(String reason, Instant retryAt) implements InstanceState { }
}
