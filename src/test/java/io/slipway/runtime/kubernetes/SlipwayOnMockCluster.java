package io.slipway.runtime.kubernetes;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.slipway.config.RuntimeSettings;
import io.slipway.config.SlipwayConfig;
import io.slipway.runtime.docker.DockerRuntimes;
import io.slipway.runtime.docker.RelocatedImages;
import io.slipway.testing.PodmanEngine;
import io.slipway.testing.TestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * A whole Slipway (in this JVM) with {@code runtime: kubernetes} against a {@link TestKubelet}'s mock API server, its
 * apps and their builds in images with node and npm, python3 with venv and pip ({@link RelocatedImages}), as an
 * official image has them. The client finds the mock as fabric8 documents, by the {@code kubernetes.master} system
 * property, set only while Slipway starts. A pod's start includes fetching its layers (a venv of tens of MB): it has
 * 30 s.
 */
record SlipwayOnMockCluster(TestKubelet cluster, KubernetesClient api, TestServer server) implements AutoCloseable {
    /** A test kubelet for {@code namespace} and a Slipway on it, its data in {@code dataDir}; the caller closes them. */
    static SlipwayOnMockCluster start(PodmanEngine engine, String namespace, Path dataDir) {
        TestKubelet cluster = TestKubelet.start(engine, namespace);
        KubernetesClient api = cluster.newClient();
        try {
            return new SlipwayOnMockCluster(cluster, api, slipway(engine, cluster, namespace, dataDir));
        } catch (RuntimeException e) {
            api.close();
            cluster.close();
            throw e;
        }
    }

    /** Stops Slipway, then the kubelet and its mock API server. */
    @Override
    public void close() {
        try {
            server.close();
        } finally {
            api.close();
            cluster.close();
        }
    }

    private static TestServer slipway(PodmanEngine engine, TestKubelet cluster, String namespace, Path dataDir) {
        try (var docker = DockerRuntimes.client(engine)) {
            RelocatedImages.importInto(engine, docker);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try (KubernetesClient api = cluster.newClient()) {
            Map<String, String> properties = Map.of("kubernetes.master", api.getMasterUrl().toString(), "kubernetes.auth.tryKubeConfig", "false",
                    "kubernetes.auth.tryServiceAccount", "false", "kubernetes.trust.certificates", "true");
            properties.forEach(System::setProperty);
            try {
                return TestServer.start(dataDir, c -> onKubernetes(TestServer.fastLifecycle(c), namespace));
            } finally {
                properties.keySet().forEach(System::clearProperty);
            }
        }
    }

    private static SlipwayConfig onKubernetes(SlipwayConfig c, String namespace) {
        var kubernetes = new RuntimeSettings.Kubernetes(Optional.of(namespace), Optional.of(RelocatedImages.NODE), Optional.of(RelocatedImages.PYTHON),
                Optional.empty(), RuntimeSettings.Kubernetes.DEFAULT_SLIPWAY_PODS);
        var i = c.instances();
        return c.withRuntime(c.runtime().withKind(RuntimeSettings.Kind.KUBERNETES).withKubernetes(kubernetes))
                .withInstances(new SlipwayConfig.InstanceSettings(Duration.ofSeconds(30), Duration.ofSeconds(1), i.maxWaiters(),
                        i.maxWait(), i.maxRunning(), Duration.ofMillis(100), Duration.ofSeconds(10), i.drainTimeout()));
    }
}
