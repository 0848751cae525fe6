package io.slipway.instances;

import io.slipway.runtime.Sandbox;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/** The states of one app's instance. Only {@link AppInstance} moves between them, under its lock. */
sealed interface InstanceState {
    /** No process: never started since deploy or restart ({@code ready}), or put to sleep ({@code sleeping}). */
    record Asleep(boolean everStarted) implements InstanceState { }

    /** Not ready yet, on the way to {@link Running}: every request that arrives meanwhile waits on {@code ready}. */
    sealed interface Pending extends InstanceState {
        CompletableFuture<Running> ready();

        /** How many requests wait on {@link #ready()}. */
        int waiters();

        /** The same state, with one more request waiting. */
        Pending withWaiter();
    }

    /** A start is under way. */
    record Starting(CompletableFuture<Running> ready, int waiters) implements Pending {
        @Override
        public Starting withWaiter() {
            return new Starting(ready, waiters + 1);
        }
    }

    /**
     * The sandbox runs, but its app was restarted under Slipway ({@link Sandbox#observe}) and has not passed its readiness
     * check since. {@code previous} is the running state the restart ended: its exchanges were told it is gone. Active
     * time is metered on, since the sandbox runs.
     */
    record Restarting(Running previous, CompletableFuture<Running> ready, int waiters) implements Pending {
        Sandbox sandbox() {
            return previous.sandbox();
        }

        @Override
        public Restarting withWaiter() {
            return new Restarting(previous, ready, waiters + 1);
        }
    }

    /**
     * The sandbox runs. {@code gone} completes, with the {@link System#nanoTime()} at which its end was seen, once the
     * instance has let go of it (it exited, was stopped, or its app was restarted under Slipway): requests whose
     * connection to it failed wait for it.
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
