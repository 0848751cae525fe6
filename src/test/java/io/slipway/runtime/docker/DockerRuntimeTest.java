package io.slipway.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import io.slipway.config.DataSize;
import io.slipway.runtime.SandboxLimits;
import io.slipway.testing.PodmanEngine;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What a test of the docker runtime's own behaviour starts from: a {@link DockerRuntimeFixture} per test, its parts in
 * fields of their own, and every app limited to 128 MiB, 32 processes and half a core.
 */
abstract class DockerRuntimeTest {
    static final SandboxLimits LIMITS = new SandboxLimits(DataSize.parse("128MiB"), 32, 0.5);
    @RegisterExtension
    final DockerRuntimeFixture fixture = new DockerRuntimeFixture(LIMITS);
    PodmanEngine engine;
    DockerClient docker;
    Path dataDir;
    /** The runtime in use: a test that needs another configuration closes it and assigns {@code fixture.use(…)}. */
    DockerSandboxRuntime runtime;
    AppsUnderTest apps;

    @BeforeEach
    void useTheFixture() {
        engine = fixture.engine();
        docker = fixture.docker();
        dataDir = fixture.dataDir();
        runtime = fixture.runtime();
        apps = fixture.apps();
    }
}
