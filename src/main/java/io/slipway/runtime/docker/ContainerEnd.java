package io.slipway.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse.ContainerState;
import com.github.dockerjava.api.command.WaitContainerResultCallback;
import com.github.dockerjava.api.exception.NotFoundException;
import io.slipway.logs.LogSink;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the end of the process Slipway started in a container is learnt, and what caused it where Slipway can tell.
 *
 * <p>The engine's wait endpoint says when a container stopped, and with what code. But when the engine restarts a
 * container behind Slipway's back (an operator's {@code docker restart}), podman's wait does not return at the stop:
 * measured here, it returned twenty seconds later, or only at the container's removal, while the container ran a new
 * process in a network namespace that Slipway never linked, unreachable. So the end of the container's output is
 * watched too, which the attach stream gives at once for any end of the process: from then on the container is
 * inspected until either the wait returns, or the container runs a process other than Slipway's (another pid), which
 * is then this sandbox's end, caused by the engine. The exit code of a restarted container's old process is what an
 * inspection showed between the stop and the start, where one caught it.
 */
final class ContainerEnd {
    /** How the process ended: its code, whether the engine said it was killed for its memory, and the cause, if known. */
    record Ended(int exitCode, boolean oomReported, Optional<String> cause) {
    }

    static final String RESTARTED = "its container was restarted by the engine, behind Slipway, and has lost the network Slipway linked it to";
    static final String SIGTERMED = "it got a SIGTERM that Slipway did not send (its container was stopped or restarted by the engine, behind Slipway)";
    /** The code of a process whose end the engine did not say: as of a container removed behind Slipway's back. */
    static final int UNKNOWN = 255;
    private static final int SIGTERM_EXIT = 143;
    private static final Logger LOG = LoggerFactory.getLogger(ContainerEnd.class);

    private final String appId;
    private final String container;
    private final DockerClient calls;
    private final DockerClient streams;
    private final long pid;
    private final LogSink log;
    private final BooleanSupplier runtimeOpen;
    private final BooleanSupplier stoppedBySlipway;
    // Once the end is known another way, the wait is abandoned: what it says then is of a container being removed.
    private volatile boolean known;
    private volatile WaitContainerResultCallback waiting;

    /**
     * @param pid              the container's init on this host, as Slipway started it (0 if it never ran)
     * @param stoppedBySlipway whether Slipway asked the container to stop (a SIGTERM it sent is no one else's)
     */
    ContainerEnd(String appId, String container, DockerClient calls, DockerClient streams, long pid, LogSink log, BooleanSupplier runtimeOpen,
                 BooleanSupplier stoppedBySlipway) {
        this.appId = appId;
        this.container = container;
        this.calls = calls;
        this.streams = streams;
        this.pid = pid;
        this.log = log;
        this.runtimeOpen = runtimeOpen;
        this.stoppedBySlipway = stoppedBySlipway;
    }

    /**
     * Blocks until the process has ended; null once the runtime is closed, when nothing is learnt any more.
     *
     * @param output the thread copying the container's output, which ends when its process does
     */
    Ended await(Thread output) throws InterruptedException {
        CompletableFuture<Integer> waited = new CompletableFuture<>();
        Thread.ofVirtual().name("container-wait-" + appId).start(() -> waited.complete(awaitWait()));
        CompletableFuture<Void> outputEnded = new CompletableFuture<>();
        Thread.ofVirtual().name("container-output-end-" + appId).start(() -> {
            try {
                output.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            outputEnded.complete(null);
        });
        try {
            CompletableFuture.anyOf(waited, outputEnded).get();
            return waited.isDone() ? waitedFor(waited.get()) : afterOutputEnded(waited);
        } catch (ExecutionException e) {
            throw new IllegalStateException("learning the end of the container of " + appId + " failed", e.getCause());
        } finally {
            abandonWait();
        }
    }

    /**
     * The output ended before the wait returned: the process has gone (or only the output's stream broke). Inspected
     * until the wait returns or another process runs in the container.
     */
    private Ended afterOutputEnded(CompletableFuture<Integer> waited) throws InterruptedException, ExecutionException {
        Integer codeSeen = null;
        for (long pause = 20; ; pause = Math.min(pause * 2, 500)) {
            if (!runtimeOpen.getAsBoolean()) return null; // its clients are closed, which also ends the output's stream
            Optional<ContainerState> state = inspect();
            if (state.isPresent() && Boolean.TRUE.equals(state.get().getRunning())) {
                if (pidOf(state.get()) != pid) return new Ended(codeSeen == null ? UNKNOWN : codeSeen, false, Optional.of(RESTARTED));
                // Still Slipway's process: only the stream broke (the engine's API restarted, say). Its output is lost
                // from here on, and so is this way of seeing a restart; the wait still tells the end.
                LOG.warn("the output of the container of {} ended while it runs: its further output is lost", appId);
                return waitedFor(waited.get());
            }
            if (state.isPresent() && state.get().getExitCodeLong() != null) codeSeen = state.get().getExitCodeLong().intValue();
            try {
                return waitedFor(waited.get(pause, TimeUnit.MILLISECONDS));
            } catch (TimeoutException e) {
                // not yet: inspected again
            }
        }
    }

    /** The wait returned {@code code}; null once the runtime is closed. */
    private Ended waitedFor(Integer code) {
        if (code == null) return null;
        Optional<ContainerState> state = inspect();
        boolean oom = state.map(s -> Boolean.TRUE.equals(s.getOOMKilled())).orElse(false);
        // dockerd's wait returns at a restart's stop: the engine may have started the container again already.
        if (state.isPresent() && Boolean.TRUE.equals(state.get().getRunning()) && pidOf(state.get()) != pid) {
            return new Ended(code, false, Optional.of(RESTARTED));
        }
        boolean foreignSigterm = code == SIGTERM_EXIT && !stoppedBySlipway.getAsBoolean();
        return new Ended(code, oom, foreignSigterm ? Optional.of(SIGTERMED) : Optional.empty());
    }

    /**
     * The container's exit code, from the engine's wait endpoint. A wait cut short (the engine restarted, a connection
     * dropped) is asked again; a container that was removed meanwhile by someone else ends the sandbox with
     * {@value #UNKNOWN}. Null once the runtime is closed, which leaves the container to the next run's reaping, or once
     * the end is known otherwise.
     */
    private Integer awaitWait() {
        for (int attempt = 0; ; attempt++) {
            if (!runtimeOpen.getAsBoolean() || known) return null;
            try {
                waiting = streams.waitContainerCmd(container).exec(new WaitContainerResultCallback());
                Integer code = waiting.awaitStatusCode();
                return code == null ? UNKNOWN : code;
            } catch (NotFoundException e) {
                if (known) return null;
                log.event("the container " + container.substring(0, 12) + " was removed behind Slipway's back");
                return UNKNOWN;
            } catch (RuntimeException e) {
                if (known) return null;
                LOG.warn("waiting for the container of {} failed ({}), asking again", appId, e.toString());
                try {
                    Thread.sleep(Math.min(5000, 100L << Math.min(attempt, 6))); // back-off before asking the engine again
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return null;
                }
            }
        }
    }

    private void abandonWait() {
        known = true;
        WaitContainerResultCallback call = waiting;
        if (call == null) return;
        try {
            call.close();
        } catch (IOException e) {
            LOG.debug("closing the wait for the container of {}: {}", appId, e.toString());
        }
    }

    /** The container's state; empty when it is gone, or the engine does not answer now (or its client is closed). */
    private Optional<ContainerState> inspect() {
        try {
            return Optional.ofNullable(calls.inspectContainerCmd(container).exec().getState());
        } catch (NotFoundException e) {
            return Optional.empty();
        } catch (RuntimeException e) {
            LOG.debug("cannot inspect the container of {}: {}", appId, e.toString());
            return Optional.empty();
        }
    }

    private static long pidOf(ContainerState state) {
        Long pid = state.getPidLong();
        return pid == null ? 0 : pid;
    }
}
