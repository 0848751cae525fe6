package io.slipway.runtime;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** One running sandbox. Thread-safe. */
public interface Sandbox {
    String appId();

    /**
     * Where the proxy dials the app: the address of its sandbox's own network, or a loopback port where the sandbox
     * shares the host's network (a unix socket is allowed too). The app may not be listening yet: readiness is the
     * caller's to probe.
     */
    SocketAddress address();

    /**
     * Completes once, when the sandbox has ended, whatever the reason: its process exited or was stopped. A restart of
     * its app under Slipway ({@link #observe}) is not an end: this completes only at the real one.
     */
    CompletableFuture<SandboxExit> exited();

    /**
     * Has {@code observer} told of what happens to this sandbox while it runs, from now on (what happened before is not
     * told again); a later call replaces it. A runtime whose sandboxes cannot be restarted under Slipway
     * ({@link RuntimeCapabilities#restartsUnderSlipway()} false) has nothing to tell, and keeps this default, which
     * keeps no observer.
     *
     * <p>What a caller may assume when it is told {@link SandboxObserver#restarted}: the sandbox is the same one and still
     * runs ({@link #exited()} has not completed, {@link #stop} stops it); its app is a new process, which has lost
     * whatever the old one held (its connections among them) and is not ready: it must pass the caller's readiness
     * check again before traffic goes to it. {@link #address()} still says where the app is reached, and may well stay
     * what it was (a pod keeps its IP); read it again rather than keep it.
     */
    default void observe(SandboxObserver observer) {
    }

    /**
     * Asks the app to stop (SIGTERM) and kills whatever is left after {@code grace} (SIGKILL). Blocks until the
     * sandbox has exited; calling it again, or after the app exited by itself, returns at once.
     */
    SandboxExit stop(Duration grace);

    /**
     * The TCP addresses the app listens on, where the runtime can see them (empty where it cannot): what to tell the
     * owner of an app that never answered on {@code $PORT}.
     */
    default Optional<List<InetSocketAddress>> listening() {
        return Optional.empty();
    }
}
