package io.slipway.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import io.slipway.app.DataDir;
import io.slipway.artifacts.LocalArtifactStore;
import io.slipway.config.RuntimeSettings;
import io.slipway.config.SlipwayConfig;
import io.slipway.config.SlipwayConfig.SandboxSettings;
import io.slipway.runtime.host.HostUids;
import io.slipway.sandbox.HostTools;
import io.slipway.sandbox.SandboxLabel;
import io.slipway.testing.PodmanEngine;
import io.slipway.testing.TestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The docker runtime as tests make it: on a {@link PodmanEngine} (shared by {@link io.slipway.testing.PodmanExtension}),
 * over a data dir of the test's own, whose label keeps its containers and firewall chains apart from any other
 * Slipway's; layers read by a {@link LocalArtifactStore} there; images made from the host's node and python3.
 *
 * <p>{@value #OTHER_ENGINE} names another engine to run the same tests against instead, such as a dockerd started by
 * hand ({@code dockerd --iptables=false --ip6tables=false --bridge=none --data-root … -H unix://…}), on which they pass
 * too.
 */
public final class DockerRuntimes {
    /** The environment variable naming an engine to test instead of podman: {@code unix:///path/to/docker.sock}. */
    public static final String OTHER_ENGINE = "SLIPWAY_TEST_DOCKER_HOST";

    private DockerRuntimes() {
    }

    /** With the default sandbox settings (no egress). */
    public static DockerSandboxRuntime create(PodmanEngine engine, Path dataDir) {
        return create(engine, dataDir, SlipwayConfig.defaults(dataDir).sandbox());
    }

    /** Its apps' uids are claimed machine-wide for the data dir, as Slipway's own are, until the data dir is gone. */
    public static DockerSandboxRuntime create(PodmanEngine engine, Path dataDir, SandboxSettings sandbox) {
        return create(engine, dataDir, sandbox, DockerSettings.of(host(engine)));
    }

    /** With the default sandbox settings and the docker settings {@code configure} makes of the defaults. */
    public static DockerSandboxRuntime create(PodmanEngine engine, Path dataDir, java.util.function.UnaryOperator<DockerSettings> configure) {
        return create(engine, dataDir, SlipwayConfig.defaults(dataDir).sandbox(), configure.apply(DockerSettings.of(host(engine))));
    }

    private static DockerSandboxRuntime create(PodmanEngine engine, Path dataDir, SandboxSettings sandbox, DockerSettings settings) {
        DataDir dir = new DataDir(dataDir);
        return new DockerSandboxRuntime(settings, sandbox, dir, new LocalArtifactStore(dir), HostTools.find(), HostUids.open(dir, sandbox));
    }

    /**
     * What {@code SLIPWAY_RUNTIME=docker SLIPWAY_DOCKER_HOST=<engine>} make of {@code c}, for a Slipway of a test's own;
     * its base images from {@code docker.nodeImage} / {@code docker.pythonImage} when given, else Slipway's own.
     */
    public static SlipwayConfig onEngine(SlipwayConfig c, PodmanEngine engine, Optional<String> nodeImage, Optional<String> pythonImage) {
        var docker = new RuntimeSettings.Docker(Optional.of(host(engine)), nodeImage, pythonImage, RuntimeSettings.Docker.Network.SLIPWAY);
        return c.withRuntime(c.runtime().withKind(RuntimeSettings.Kind.DOCKER).withDocker(docker));
    }

    /** Stops a test's Slipway (either may be null: a start failed), asserts that it left nothing, and closes the client. */
    public static void stop(TestServer server, DockerClient docker, Path dataDir) {
        if (server != null) server.close();
        if (docker != null) {
            try (docker) {
                assertNothingLeft(docker, dataDir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    static URI host(PodmanEngine engine) {
        String other = System.getenv(OTHER_ENGINE);
        return other == null || other.isBlank() ? engine.host() : URI.create(other);
    }

    /** A docker-java client of the engine, for what tests inspect; the caller closes it. */
    public static DockerClient client(PodmanEngine engine) {
        return EngineClients.of(host(engine)).calls();
    }

    /**
     * A client of the engine whose calls have no response timeout, for those that last as long as a container (waiting
     * for its exit); the caller closes it.
     */
    public static DockerClient longCallClient(PodmanEngine engine) {
        EngineClients clients = EngineClients.of(host(engine));
        try {
            clients.calls().close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return clients.streams();
    }

    /**
     * Asserts that the (closed) runtime over {@code dataDir} left nothing: no container with its label in the engine, no
     * firewall chain of its label in iptables or ip6tables.
     */
    public static void assertNothingLeft(DockerClient docker, Path dataDir) {
        String label = SandboxLabel.of(dataDir);
        assertThat(docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(DockerSandboxRuntime.OWNER_LABEL, label)).exec())
                .as("containers left").isEmpty();
        for (String tool : List.of("iptables-save", "ip6tables-save")) {
            try {
                Process rules = new ProcessBuilder(tool).redirectErrorStream(true).start();
                String saved = new String(rules.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                rules.waitFor(10, TimeUnit.SECONDS);
                assertThat(saved).as("firewall chains left (%s)", tool).doesNotContain("-" + label);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}
