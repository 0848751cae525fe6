package io.slipway.boot;

import io.slipway.app.DataDir;
import io.slipway.artifacts.LocalArtifactStore;
import io.slipway.config.SlipwayConfig;
import io.slipway.runtime.BuildRunner;
import io.slipway.runtime.RegistryGateway;
import io.slipway.runtime.SandboxRuntime;
import io.slipway.runtime.RemoteLayers;
import io.slipway.runtime.docker.DockerSandboxRuntime;
import io.slipway.runtime.kubernetes.KubernetesSandboxRuntime;
import io.slipway.runtime.docker.DockerSettings;
import io.slipway.runtime.process.BubblewrapBuilds;
import io.slipway.runtime.process.HostBuilds;
import io.slipway.runtime.process.HostCheck;
import io.slipway.runtime.host.HostUids;
import io.slipway.runtime.process.ProcessSandboxRuntime;
import io.slipway.runtime.process.UnsandboxedRuntime;
import io.slipway.sandbox.HostTools;
import io.slipway.sandbox.SandboxLabel;
import java.net.URI;
import java.nio.file.Path;

/**
 * {@code runtime: process | docker | kubernetes} → the one {@link SandboxRuntime} this Slipway runs apps with, and the
 * {@link BuildRunner} its builds run on. What both share on this host (the host uids of sandboxes and builds) is made
 * once, here.
 */
public final class RuntimeFactory {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RuntimeFactory.class);
    private final SlipwayConfig config;
    private final HostTools tools;
    private final DataDir dataDir;
    private final HostUids uids;

    /** Claims this Slipway's host uids (machine-wide) when sandboxes or containers run on this host. */
    public RuntimeFactory(SlipwayConfig config, HostTools tools, DataDir dataDir) {
        this.config = config;
        this.tools = tools;
        this.dataDir = dataDir;
        boolean hostUids = config.sandbox().enabled() || config.runtime().kind() == io.slipway.config.RuntimeSettings.Kind.DOCKER;
        this.uids = hostUids ? HostUids.open(dataDir, config.sandbox()) : null;
    }

    /**
     * Before anything starts: whether the process runtime's sandbox can be created on this host at all; null when it
     * can, else what is wrong and what to do.
     */
    public static String hostCheck(SlipwayConfig config) {
        return HostCheck.run(config.sandbox().uidBase());
    }

    /**
     * @param remote where sandboxes that run away from this host (pods) download their layers
     * @throws IllegalArgumentException when the configured runtime cannot run here, saying what to configure instead
     */
    public SandboxRuntime runtime(LocalArtifactStore artifacts, RemoteLayers remote) {
        return switch (config.runtime().kind()) {
            case PROCESS -> config.sandbox().enabled()
                    ? new ProcessSandboxRuntime(tools, dataDir, config.sandbox(), artifacts::directory, uids)
                    : new UnsandboxedRuntime(tools, dataDir, artifacts::directory);
            case DOCKER -> docker(artifacts);
            case KUBERNETES -> kubernetes(remote);
        };
    }

    /**
     * The client configures itself as fabric8's does: in a pod, from its service account; elsewhere from {@code
     * KUBECONFIG} (or {@code ~/.kube/config}). One of the two images may stand for both (Slipway's own image has both
     * interpreters).
     */
    private SandboxRuntime kubernetes(RemoteLayers remote) {
        var kubernetes = config.runtime().kubernetes();
        String node = kubernetes.nodeImage().or(kubernetes::pythonImage).orElseThrow(() -> new IllegalArgumentException(
                "runtime: kubernetes needs the image apps run in: set kubernetes.nodeImage (and kubernetes.pythonImage where Python apps need "
                        + "another) to an image the cluster can pull with node and npm (python3 with venv and pip): apps run in it, and so "
                        + "do their builds (README, \"Slipway on Kubernetes\")"));
        String python = kubernetes.pythonImage().orElse(node);
        io.fabric8.kubernetes.client.KubernetesClient client = new io.fabric8.kubernetes.client.KubernetesClientBuilder().build();
        String namespace = kubernetes.namespace().orElseGet(() -> client.getNamespace() == null ? "default" : client.getNamespace());
        LOG.info("apps run as Deployments in the namespace {} of the Kubernetes API at {}", namespace, client.getMasterUrl());
        return new KubernetesSandboxRuntime(client, namespace, SandboxLabel.of(dataDir.root()),
                KubernetesSandboxRuntime.settings(node, python, SandboxLabel.of(dataDir.root()), config.sandbox().tmpSize().bytes()),
                kubernetes.slipwayPods(), remote);
    }

    /**
     * Where pods download their layers from this Slipway: {@code kubernetes.artifactUrl}, else {@code
     * cluster.advertiseUrl} (where the other replicas reach this one, which holds the layers it starts), else this
     * host's loopback at the port Slipway listens on, which only pods on this host's network reach.
     */
    public static URI artifactUrl(SlipwayConfig config, int listeningPort) {
        return config.runtime().kubernetes().artifactUrl().or(() -> config.cluster().advertiseUrl())
                .orElseGet(() -> URI.create("http://127.0.0.1:" + listeningPort));
    }

    private SandboxRuntime docker(LocalArtifactStore artifacts) {
        var docker = config.runtime().docker();
        var settings = new DockerSettings(docker.host(System.getenv()), docker.nodeImage(), docker.pythonImage(),
                DockerSettings.SLIPWAY_NETWORK, docker.maxLayerSize());
        DockerSandboxRuntime runtime = new DockerSandboxRuntime(settings, config.sandbox(), dataDir, artifacts, tools, uids);
        try {
            LOG.info("apps run in containers of {}", runtime.engine());
        } catch (RuntimeException e) {
            // Not fatal here: the preflight (/readyz, the first start) says what is wrong with the engine.
            LOG.warn("the docker runtime's engine at {} does not answer: {}", settings.host(), e.getMessage());
        }
        return runtime;
    }

    /**
     * What runs the builds' steps: bubblewrap on this host, as the build uid (the process runtime's apps run on the
     * interpreters these builds installed for, and so do the docker runtime's in the images Slipway makes from them);
     * for the docker runtime, a container of the configured image for a language that has one ({@code docker.nodeImage},
     * {@code docker.pythonImage}); bare processes without the sandbox.
     *
     * @param runtime     the runtime the builds are for
     * @param registries the registry proxy, the builds' only way out; null: the host's network
     */
    public BuildRunner builds(SandboxRuntime runtime, RegistryGateway registries) {
        return builds(runtime, registries, null);
    }

    /**
     * As {@link #builds(SandboxRuntime, RegistryGateway)}; for the kubernetes runtime with {@code kubernetes.builds:
     * cluster} (the default), each untrusted step is a pod in the cluster that gets its files through {@code remote},
     * and only trusted steps (esbuild) run here, as plain processes.
     *
     * @param remote where build pods download their inputs and upload their output; null: builds run on this host
     */
    public BuildRunner builds(SandboxRuntime runtime, RegistryGateway registries, io.slipway.runtime.RemoteBuildFiles remote) {
        Path npmCache = config.build().npmCache().isBlank() ? dataDir.npmCache() : Path.of(config.build().npmCache()).toAbsolutePath();
        String label = SandboxLabel.of(dataDir.root());
        if (runtime instanceof KubernetesSandboxRuntime kubernetes && remote != null
                && config.runtime().kubernetes().builds() == io.slipway.config.RuntimeSettings.Kubernetes.Builds.CLUSTER) {
            LOG.info("build steps run as pods in the cluster; trusted ones (esbuild) in this process's host");
            return kubernetes.builds(remote, registries, new HostBuilds(label, tools, npmCache.resolveSibling(npmCache.getFileName() + "-trusted")),
                    config.build().limits(), config.runtime().docker().maxLayerSize().bytes());
        }
        if (!config.sandbox().enabled()) {
            // Unsandboxed installs run as root: a cache of their own, or their root-owned entries would make every later
            // sandboxed install, which runs as the build uid, fail with EACCES.
            return new HostBuilds(label, tools, npmCache.resolveSibling(npmCache.getFileName() + "-unsandboxed"));
        }
        BubblewrapBuilds onHost = new BubblewrapBuilds(label, tools, uids.buildUid(), config.build().limits(), npmCache, registries);
        return runtime instanceof DockerSandboxRuntime docker ? docker.builds(onHost) : onHost;
    }
}
