package io.slipway.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.WaitContainerResultCallback;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import io.slipway.logs.LogSink;
import io.slipway.runtime.Sandbox;
import io.slipway.runtime.SandboxExit;
import io.slipway.runtime.host.ListeningSockets;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One app's container. Its exit is learnt from the engine's wait endpoint; then the container is removed, so that a
 * sandbox that ended leaves nothing in the engine. SIGTERM and SIGKILL go to the container's init ({@code Init: true}),
 * which passes them to the app: node as PID 1 would ignore SIGTERM.
 *
 * <p>Out-of-memory is what the engine reports ({@code State.OOMKilled}: dockerd does) or, since podman never reports it,
 * death by SIGKILL (exit code 137) that {@link #stop} did not cause: nothing else on the host kills an app so.
 */
final class DockerSandbox implements Sandbox {
    private static final Logger LOG = LoggerFactory.getLogger(DockerSandbox.class);
    private static final int SIGKILLED = 137;

    private final String appId;
    private final String container;
    private final DockerClient calls;
    private final DockerClient streams;
    private final InetSocketAddress address;
    private final long pid;
    private final LogSink log;
    private final CompletableFuture<SandboxExit> exited = new CompletableFuture<>();
    private final CompletableFuture<Void> removed = new CompletableFuture<>();
    private final java.util.function.BooleanSupplier runtimeOpen;
    private volatile boolean killed;

    /**
     * @param calls   the client for short calls
     * @param streams the client whose calls may last as long as the container (wait), without a response timeout
     * @param pid     the container's init on this host, in whose network namespace the app listens
     * @param logPump the thread copying the container's output into its log, joined (briefly) before the exit is told,
     *                so that whoever learns of the exit finds the app's last lines in its log
     * @param onExit  what to release once the container has exited (its network link)
     * @param runtimeOpen whether the runtime is still open: once closed, its clients are, and nothing is learnt any more
     */
    DockerSandbox(String appId, String container, DockerClient calls, DockerClient streams, InetSocketAddress address, long pid,
                  LogSink log, Thread logPump, Runnable onExit, java.util.function.BooleanSupplier runtimeOpen) {
        this.runtimeOpen = runtimeOpen;
        this.appId = appId;
        this.container = container;
        this.calls = calls;
        this.streams = streams;
        this.address = address;
        this.pid = pid;
        this.log = log;
        Thread.ofVirtual().name("container-" + appId).start(() -> watch(logPump, onExit));
    }

    private void watch(Thread logPump, Runnable onExit) {
        SandboxExit exit;
        try {
            Integer code = awaitExit();
            if (code == null) {
                onExit.run();
                exited.completeExceptionally(new IllegalStateException("the runtime was closed while the sandbox of " + appId + " ran"));
                removed.complete(null);
                return;
            }
            boolean oomReported = false;
            try {
                Boolean oom = calls.inspectContainerCmd(container).exec().getState().getOOMKilled();
                oomReported = Boolean.TRUE.equals(oom);
            } catch (DockerException e) {
                LOG.debug("cannot inspect the exited container of {}: {}", appId, e.toString());
            }
            exit = new SandboxExit(code, oomReported || (code == SIGKILLED && !killed));
            logPump.join(Duration.ofSeconds(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            exit = new SandboxExit(SIGKILLED);
        }
        try {
            onExit.run();
        } finally {
            exited.complete(exit);
            remove();
        }
    }

    /**
     * The container's exit code, from the engine's wait endpoint. A wait cut short (the engine restarted, a connection
     * dropped) is asked again; a container that was removed meanwhile by someone else ends the sandbox with 255. Null
     * once the runtime is closed, which leaves the container to the next run's reaping.
     */
    private Integer awaitExit() throws InterruptedException {
        for (int attempt = 0; ; attempt++) {
            if (!runtimeOpen.getAsBoolean()) return null;
            try {
                Integer code = streams.waitContainerCmd(container).exec(new WaitContainerResultCallback()).awaitStatusCode();
                return code == null ? 255 : code;
            } catch (NotFoundException e) {
                log.event("the container " + container.substring(0, 12) + " was removed behind Slipway's back");
                return 255;
            } catch (RuntimeException e) {
                LOG.warn("waiting for the container of {} failed ({}), asking again", appId, e.toString());
                Thread.sleep(Math.min(5000, 100L << Math.min(attempt, 6))); // back-off before asking the engine again
            }
        }
    }

    private void remove() {
        try {
            calls.removeContainerCmd(container).withForce(true).withRemoveVolumes(true).exec();
        } catch (NotFoundException e) {
            // removed already
        } catch (DockerException e) {
            LOG.warn("cannot remove the container {} of {}: {}; the next start of Slipway reaps it", container, appId, e.getMessage());
        } catch (RuntimeException e) {
            LOG.warn("cannot remove the container {} of {}: {}; the next start of Slipway reaps it", container, appId, e.toString());
        } finally {
            removed.complete(null);
        }
    }

    String container() {
        return container;
    }

    @Override
    public String appId() {
        return appId;
    }

    @Override
    public SocketAddress address() {
        return address;
    }

    @Override
    public CompletableFuture<SandboxExit> exited() {
        return exited;
    }

    /** Read in the container's network namespace through its init on this host. */
    @Override
    public Optional<List<InetSocketAddress>> listening() {
        return exited.isDone() ? Optional.empty() : Optional.of(ListeningSockets.of(pid));
    }

    /** SIGTERM, SIGKILL after {@code grace}; returns once the container has exited and is removed (or failed to be). */
    @Override
    public SandboxExit stop(Duration grace) {
        if (!exited.isDone()) {
            signal("SIGTERM");
            if (await(exited, grace) == null) {
                killed = true;
                signal("SIGKILL");
            }
        }
        SandboxExit exit = await(exited, Duration.ofSeconds(30));
        if (exit == null) throw new IllegalStateException("the container " + container + " of " + appId + " survived SIGKILL");
        await(removed, Duration.ofSeconds(30));
        return exit;
    }

    /**
     * Signals the container's init. One that is no longer running is refused by the engine, as 409 (dockerd) or 500
     * "container state improper" (podman): its exit is on its way, which is what the caller waits for.
     */
    private void signal(String signal) {
        try {
            calls.killContainerCmd(container).withSignal(signal).exec();
        } catch (NotFoundException | ConflictException e) {
            // gone, or not running
        } catch (DockerException e) {
            // podman says "stopped" or "stopping" here while a container ends, when inspect may still say running.
            if (exited.isDone() || String.valueOf(e.getMessage()).contains("container state improper") || !running()) return;
            throw e;
        }
    }

    private boolean running() {
        try {
            return Boolean.TRUE.equals(calls.inspectContainerCmd(container).exec().getState().getRunning());
        } catch (NotFoundException e) {
            return false;
        }
    }

    private static <T> T await(CompletableFuture<T> future, Duration timeout) {
        try {
            return future.get(Math.max(0, timeout.toMillis()), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (ExecutionException e) {
            throw new IllegalStateException("waiting for a container failed", e.getCause());
        }
    }
}
