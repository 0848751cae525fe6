package io.slipway.boot;

import io.slipway.app.DataDir;
import io.slipway.artifacts.LocalArtifactStore;
import io.slipway.config.SlipwayConfig;
import io.slipway.runtime.SandboxRuntime;
import io.slipway.runtime.process.AppUids;
import io.slipway.runtime.process.ProcessSandboxRuntime;
import io.slipway.runtime.process.UnsandboxedRuntime;
import io.slipway.sandbox.HostTools;

/** {@code runtime: process | docker | kubernetes} → the one {@link SandboxRuntime} this Slipway runs apps with. */
public final class RuntimeFactory {
    private RuntimeFactory() {
    }

    /**
     * @param uids the host uid of each app, which only the process runtime uses
     * @throws IllegalArgumentException when the configured runtime cannot run here, saying what to configure instead
     */
    public static SandboxRuntime create(SlipwayConfig config, HostTools tools, DataDir dataDir, LocalArtifactStore artifacts, AppUids uids) {
        return switch (config.runtime().kind()) {
            case PROCESS -> config.sandbox().enabled()
                    ? new ProcessSandboxRuntime(tools, dataDir, config.sandbox(), artifacts::directory, uids)
                    : new UnsandboxedRuntime(tools, dataDir, artifacts::directory);
            case DOCKER -> throw new IllegalArgumentException("runtime: docker is not in this build yet; use runtime: process");
            case KUBERNETES -> throw new IllegalArgumentException("runtime: kubernetes is not in this build yet; use runtime: process");
        };
    }
}
