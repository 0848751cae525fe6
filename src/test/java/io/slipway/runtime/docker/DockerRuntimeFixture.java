package io.slipway.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import io.slipway.app.FileTrees;
import io.slipway.runtime.SandboxLimits;
import io.slipway.testing.PodmanEngine;
import io.slipway.testing.PodmanExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One docker runtime per test, on the run's {@link PodmanEngine}: a data dir of the test's own (whose label keeps its
 * containers and firewall chains apart), the runtime over it, the apps the test starts on it ({@link AppsUnderTest}),
 * and a client of the engine for what the test inspects. After the test every app is stopped, the runtime closed, and
 * nothing of the data dir's label may be left in the engine or the firewall. Register it with
 * {@code @RegisterExtension}; a test that needs the runtime configured otherwise {@link #use uses} another.
 */
final class DockerRuntimeFixture implements BeforeEachCallback, AfterEachCallback {
    private final SandboxLimits limits;
    private PodmanEngine engine;
    private DockerClient docker;
    private Path dataDir;
    private DockerSandboxRuntime runtime;
    private AppsUnderTest apps;

    /** @param limits every app's limits */
    DockerRuntimeFixture(SandboxLimits limits) {
        this.limits = limits;
    }

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        engine = PodmanExtension.engine(context);
        docker = DockerRuntimes.client(engine);
        dataDir = Files.createTempDirectory("docker-runtime-");
        runtime = DockerRuntimes.create(engine, dataDir);
        apps = new AppsUnderTest(dataDir, () -> runtime, limits);
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        try {
            apps.stopAll();
            runtime.close();
            DockerRuntimes.assertNothingLeft(docker, dataDir);
        } finally {
            docker.close();
            FileTrees.deleteQuietly(dataDir);
        }
    }

    /**
     * Uses {@code replacement} for the rest of the test and its clean-up. Close the runtime in use first, before the
     * replacement is made: both hold the data dir's firewall chains, which the first to close would take from the other.
     */
    DockerSandboxRuntime use(DockerSandboxRuntime replacement) {
        runtime = replacement;
        return replacement;
    }

    PodmanEngine engine() {
        return engine;
    }

    DockerClient docker() {
        return docker;
    }

    Path dataDir() {
        return dataDir;
    }

    DockerSandboxRuntime runtime() {
        return runtime;
    }

    AppsUnderTest apps() {
        return apps;
    }
}
