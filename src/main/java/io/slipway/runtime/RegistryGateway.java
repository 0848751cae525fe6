package io.slipway.runtime;

import io.slipway.logs.LogSink;
import java.nio.file.Path;

/**
 * The builds' only way out to the network: tunnels to the package registries' hosts, and to nothing else. Each build
 * step gets a way out of its own ({@link #open}), so that what the step tried and was refused, or what could not be
 * reached, is said in that step's log, where the build's failure can name it for the user. Thread-safe.
 */
public interface RegistryGateway {
    /**
     * Opens a unix socket for the tunnels of one step, which only root may connect to until the runner hands it to the
     * uid that runs the step. Each destination it refuses, and each registry it cannot reach, becomes one line of
     * Slipway's own in {@code log}. Close it when the step is done.
     */
    WayOut open(LogSink log);

    /** One step's way out. Closing it removes the socket; tunnels already open end with the step's processes. */
    interface WayOut extends AutoCloseable {
        Path socket();

        @Override
        void close();
    }
}
