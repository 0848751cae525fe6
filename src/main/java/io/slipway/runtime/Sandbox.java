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

    /** Completes once, when the sandbox's process has exited, whatever the reason. */
    CompletableFuture<SandboxExit> exited();

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
