package io.slipway.runtime.process;

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

/**
 * A sandbox that is one child process of Slipway. Under bubblewrap, SIGTERM goes to the processes inside the
 * sandbox, not to bwrap: bwrap would die at once and take the app down with SIGKILL, with no chance to shut down
 * cleanly. bwrap's own init is PID 1 of the sandbox, which the kernel shields from signals it has no handler for.
 */
final class ProcessSandbox implements Sandbox {
    private final String appId;
    private final SocketAddress address;
    private final Process process;
    private final boolean bubblewrapped;
    private final CompletableFuture<SandboxExit> exited;
    private final CompletableFuture<Void> cleanedUp;

    /**
     * @param cgroup the sandbox's limits, removed once it has exited; null for an unsandboxed app. Its removal may wait
     *               for the last process of the namespace (a second at most), so it happens after {@link #exited()}
     *               completes, not before: the lifecycle learns of a dead app at once. {@link #cleanedUp()} says when.
     */
    ProcessSandbox(String appId, SocketAddress address, Process process, Cgroup cgroup) {
        this.appId = appId;
        this.address = address;
        this.process = process;
        this.bubblewrapped = cgroup != null;
        this.exited = process.onExit().thenApply(p -> new SandboxExit(p.exitValue(), cgroup != null && cgroup.oomKilled()));
        this.cleanedUp = cgroup == null ? exited.thenRun(() -> { })
                : exited.thenRunAsync(cgroup::remove, command -> Thread.ofVirtual().name("cgroup-" + appId).start(command));
    }

    /** Completes once the exited sandbox's cgroups are removed (or left to the next start's reaping). */
    CompletableFuture<Void> cleanedUp() {
        return cleanedUp;
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

    /** Read in the sandbox's own network namespace, through its first process; an unsandboxed app shares the host's. */
    @Override
    public Optional<List<InetSocketAddress>> listening() {
        if (!bubblewrapped || exited.isDone()) return Optional.empty();
        return process.toHandle().children().findFirst().map(inside -> ListeningSockets.of(inside.pid()));
    }

    @Override
    public SandboxExit stop(Duration grace) {
        if (!exited.isDone()) {
            // Signals through the process handle, never Process.destroy(), which also closes the pipe the log pump
            // reads: what the app prints on its way down (its shutdown lines, whatever the pump had not read yet)
            // would be lost. The pump ends by itself once every process holding the pipe has exited.
            if (bubblewrapped) {
                process.descendants().forEach(ProcessHandle::destroy);
            } else {
                process.toHandle().destroy();
            }
            if (await(grace) == null) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.toHandle().destroyForcibly();
            }
        }
        SandboxExit exit = await(Duration.ofSeconds(10));
        if (exit == null) throw new IllegalStateException("sandbox of " + appId + " (pid " + process.pid() + ") survived SIGKILL");
        return exit;
    }

    private SandboxExit await(Duration timeout) {
        try {
            return exited.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (ExecutionException e) {
            throw new IllegalStateException("waiting for the sandbox of " + appId + " failed", e.getCause());
        }
    }
}
