package io.slipway.runtime.docker;

import io.slipway.app.DataDir;
import io.slipway.artifacts.LocalArtifactStore;
import io.slipway.config.SlipwayConfig;
import io.slipway.config.SlipwayConfig.SandboxSettings;
import io.slipway.sandbox.HostTools;
import io.slipway.testing.PodmanEngine;
import java.nio.file.Path;

/**
 * The docker runtime as tests make it: on a {@link PodmanEngine} of their own, over a data dir of the test's (whose
 * label keeps its containers apart from any other Slipway's), reading layers with a {@link LocalArtifactStore} there,
 * and images made from the host's node and python3.
 */
public final class DockerRuntimes {
    private DockerRuntimes() {
    }

    /** With the default sandbox settings (no egress). */
    public static DockerSandboxRuntime create(PodmanEngine engine, Path dataDir) {
        return create(engine, dataDir, SlipwayConfig.defaults(dataDir).sandbox());
    }

    public static DockerSandboxRuntime create(PodmanEngine engine, Path dataDir, SandboxSettings sandbox) {
        return new DockerSandboxRuntime(DockerSettings.of(engine.host()), sandbox, new DataDir(dataDir), new LocalArtifactStore(new DataDir(dataDir)),
                HostTools.find());
    }
}
