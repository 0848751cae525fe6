package io.slipway.runtime.docker;

import com.github.dockerjava.api.DockerClient;
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
 * One app's container. Its exit is learnt from the engine ({@link ContainerEnd}); then the container is removed, so that
 * a sandbox that ended leaves nothing in the engine. SIGTERM and SIGKILL go to the container's init ({@code Init: true}),
 * which passes them to the app: node as PID 1 would ignore SIGTERM.
 *
 * <p>Out-of-memory is what the engine reports ({@code State.OOMKilled}: dockerd does) or, since podman never reports it,
 * death by SIGKILL (exit code 137) that {@link #stop} did not cause: nothing else on the host kills an app so.
 *
 * <p>A container that the engine restarts behind Slipway's back (an operator's {@code docker restart}; Slipway sets no
 * restart policy) is this sandbox's end, not a restart under Slipway: the restarted process runs in a new network
 * namespace, which Slipway's link into the old one did not survive, and its first output went to no one, since the
 * engine keeps none. So the sandbox ends, with a {@link SandboxExit#cause()} that says the engine restarted (or stopped)
 * it, and the container is removed with whatever it runs by then; the app's next request starts a new container, linked
 * and logged as every start is. (Re-linking the new process at the same address would race the engine between its stop
 * and its start, and could not give back the output lost meanwhile.)
 */
final class DockerSandbox implements Sandbox {
    private static final Logger LOG = LoggerFactory.getLogger(DockerSandbox.class);
    private static final int SIGKILLED = 137;

    private final String appId;
    private final String container;
    private final DockerClient calls;
    private final InetSocketAddress address;
    private final long pid;
    private final CompletableFuture<SandboxExit> exited = new CompletableFuture<>();
    private final CompletableFuture<Void> removed = new CompletableFuture<>();
    private final ContainerEnd end;
    private volatile boolean stopping;
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
        this.appId = appId;
        this.container = container;
        this.calls = calls;
        this.address = address;
        this.pid = pid;
        this.end = new ContainerEnd(appId, container, calls, streams, pid, log, runtimeOpen, () -> stopping);
        Thread.ofVirtual().name("container-" + appId).start(() -> watch(logPump, onExit));
    }

    private void watch(Thread logPump, Runnable onExit) {
        SandboxExit exit;
        try {
            ContainerEnd.Ended ended = end.await(logPump);
            if (ended == null) {
                onExit.run();
                exited.completeExceptionally(new IllegalStateException("the runtime was closed while the sandbox of " + appId + " ran"));
                removed.complete(null);
                return;
            }
            boolean oom = ended.cause().isEmpty() && (ended.oomReported() || (ended.exitCode() == SIGKILLED && !killed));
            exit = new SandboxExit(ended.exitCode(), oom, ended.cause());
            if (ended.cause().isPresent()) LOG.debug("the sandbox of {} ended: {}", appId, ended.cause().get());
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
            stopping = true;
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
