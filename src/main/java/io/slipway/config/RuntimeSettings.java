package io.slipway.config;

import java.net.URI;
import java.util.Objects;
import java.util.Optional;

/**
 * Which sandbox runtime runs the apps ({@code runtime}, env {@code SLIPWAY_RUNTIME}), and the settings of the engines
 * that need some. The process runtime's own are {@link SlipwayConfig.SandboxSettings sandbox.*}.
 */
public record RuntimeSettings(Kind kind, Docker docker, Kubernetes kubernetes) {
    /** DESIGN §5: bubblewrap on this host, a Docker Engine API (Docker or Podman), or Kubernetes. */
    public enum Kind { PROCESS, DOCKER, KUBERNETES }

    public RuntimeSettings {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(docker, "docker");
        Objects.requireNonNull(kubernetes, "kubernetes");
    }

    /** With the default {@code kubernetes.*} settings. */
    public RuntimeSettings(Kind kind, Docker docker) {
        this(kind, docker, Kubernetes.DEFAULTS);
    }

    /**
     * The docker runtime: the engine's API at {@code host} ({@code docker.host}; empty: {@code DOCKER_HOST}, else the
     * default socket); the images apps run in when a registry has them ({@code docker.nodeImage},
     * {@code docker.pythonImage}; empty: Slipway builds its own from this host's runtimes, as no registry is needed);
     * how containers are networked ({@code docker.network}: {@code slipway}, each container on a link of its own
     * behind Slipway's firewall, as the process runtime's sandboxes are); and the most a layer may hold once copied into
     * an image ({@code docker.maxLayerSize}), which keeps a dependency set of sparse or hard-linked files from filling
     * the engine's disk.
     */
    public record Docker(Optional<URI> host, Optional<String> nodeImage, Optional<String> pythonImage, Network network, DataSize maxLayerSize) {
        public static final URI DEFAULT_HOST = URI.create("unix:///var/run/docker.sock");
        public static final DataSize DEFAULT_MAX_LAYER_SIZE = DataSize.parse("4GiB");

        public enum Network { SLIPWAY }

        public Docker {
            Objects.requireNonNull(host, "host");
            host.ifPresent(Docker::requireEngineUrl);
            Objects.requireNonNull(nodeImage, "nodeImage");
            Objects.requireNonNull(pythonImage, "pythonImage");
            Objects.requireNonNull(network, "network");
            Objects.requireNonNull(maxLayerSize, "maxLayerSize");
        }

        /** With the default {@code docker.maxLayerSize}. */
        public Docker(Optional<URI> host, Optional<String> nodeImage, Optional<String> pythonImage, Network network) {
            this(host, nodeImage, pythonImage, network, DEFAULT_MAX_LAYER_SIZE);
        }

        private static void requireEngineUrl(URI url) {
            if (!java.util.Set.of("unix", "tcp", "http", "https").contains(String.valueOf(url.getScheme()))) {
                throw new IllegalArgumentException("docker.host must be a unix://, tcp:// or http(s):// URL, not " + url);
            }
        }

        /** The engine to talk to: {@code docker.host} as configured, else {@code DOCKER_HOST} in {@code env}, else the default socket. */
        public URI host(java.util.Map<String, String> env) {
            if (host.isPresent()) return host.get();
            String fromEnv = env.getOrDefault("DOCKER_HOST", "").trim();
            if (fromEnv.isEmpty()) return DEFAULT_HOST;
            URI url = URI.create(fromEnv);
            requireEngineUrl(url);
            return url;
        }
    }

    /**
     * The kubernetes runtime: the namespace its objects go in ({@code kubernetes.namespace}; empty: the client's own,
     * from in-cluster config or {@code KUBECONFIG}, else {@code default}); the images apps run in
     * ({@code kubernetes.nodeImage}, {@code kubernetes.pythonImage}, which the builds' pods run in too, so that what
     * they install fits; with {@code kubernetes.builds: host}, an image whose interpreters are Slipway's host's own); where pods download
     * their layers ({@code kubernetes.artifactUrl}; empty: {@code cluster.advertiseUrl}); and the labels of Slipway's
     * own pods ({@code kubernetes.slipwayPods}, {@code k=v,k=v}), the only pods an app's NetworkPolicy admits.
     */
    public record Kubernetes(Optional<String> namespace, Optional<String> nodeImage, Optional<String> pythonImage, Optional<URI> artifactUrl,
                             java.util.Map<String, String> slipwayPods, Builds builds) {
        /**
         * Where the runtime's builds run ({@code kubernetes.builds}): {@code cluster} (default), each step a pod in the
         * language's image; {@code host}, on Slipway's own host under bubblewrap, which needs Slipway to run as root with
         * the interpreters of the apps' images at the same paths.
         */
        public enum Builds { CLUSTER, HOST }

        public static final java.util.Map<String, String> DEFAULT_SLIPWAY_PODS = java.util.Map.of("app.kubernetes.io/name", "slipway");
        public static final Kubernetes DEFAULTS = new Kubernetes(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                DEFAULT_SLIPWAY_PODS);

        /** With builds in the cluster. */
        public Kubernetes(Optional<String> namespace, Optional<String> nodeImage, Optional<String> pythonImage, Optional<URI> artifactUrl,
                          java.util.Map<String, String> slipwayPods) {
            this(namespace, nodeImage, pythonImage, artifactUrl, slipwayPods, Builds.CLUSTER);
        }

        public Kubernetes withBuilds(Builds where) {
            return new Kubernetes(namespace, nodeImage, pythonImage, artifactUrl, slipwayPods, where);
        }

        public Kubernetes {
            Objects.requireNonNull(builds, "builds");
            Objects.requireNonNull(namespace, "namespace");
            Objects.requireNonNull(nodeImage, "nodeImage");
            Objects.requireNonNull(pythonImage, "pythonImage");
            Objects.requireNonNull(artifactUrl, "artifactUrl");
            slipwayPods = java.util.Map.copyOf(slipwayPods);
            if (slipwayPods.isEmpty()) throw new IllegalArgumentException("kubernetes.slipwayPods must name at least one label of Slipway's pods");
        }

        /** {@code k=v,k=v} as a map. */
        public static java.util.Map<String, String> labels(String text) {
            java.util.Map<String, String> labels = new java.util.LinkedHashMap<>();
            for (String pair : text.split(",")) {
                if (pair.isBlank()) continue;
                int equals = pair.indexOf('=');
                if (equals <= 0) throw new IllegalArgumentException("kubernetes.slipwayPods: '" + pair.trim() + "' is no label=value");
                labels.put(pair.substring(0, equals).trim(), pair.substring(equals + 1).trim());
            }
            return labels;
        }
    }

    public static RuntimeSettings process() {
        return new RuntimeSettings(Kind.PROCESS, new Docker(Optional.empty(), Optional.empty(), Optional.empty(), Docker.Network.SLIPWAY));
    }

    public RuntimeSettings withKind(Kind newKind) {
        return new RuntimeSettings(newKind, docker, kubernetes);
    }

    public RuntimeSettings withDocker(Docker newDocker) {
        return new RuntimeSettings(kind, newDocker, kubernetes);
    }

    public RuntimeSettings withKubernetes(Kubernetes newKubernetes) {
        return new RuntimeSettings(kind, docker, newKubernetes);
    }
}
