package io.slipway.runtime.docker;

import io.slipway.config.DataSize;
import java.net.URI;
import java.util.Objects;
import java.util.Optional;

/**
 * How the {@code docker} runtime reaches its engine and what its containers start from.
 *
 * @param host        the Docker Engine API: {@code unix:///var/run/docker.sock} (dockerd), {@code unix:///run/podman/podman.sock}
 *                    (podman's compatible service), or {@code tcp://host:port} ({@code http://} and {@code https://} mean
 *                    the same); sandboxes need the engine on Slipway's own host, which {@link DockerSandboxRuntime#check()}
 *                    checks
 * @param nodeImage   the image Node apps start from; empty: Slipway makes one from the host's {@code node}
 * @param pythonImage the image Python apps start from; empty: Slipway makes one from the host's {@code python3}
 * @param network     how containers are networked: {@value #SLIPWAY_NETWORK}, the only way supported, where the engine
 *                    gives them none (network mode {@value #NO_ENGINE_NETWORK}) and Slipway links each to its own network
 *                    and firewall, as the process runtime's sandboxes are; an engine network would let apps reach each
 *                    other and the host
 * @param maxLayerSize the most a code or dependency layer may hold once copied into an image, as a tar: a sparse file
 *                    takes its full size there and a hard link its target's again, so a dependency set that is small on
 *                    the host could otherwise fill the engine's disk
 */
public record DockerSettings(URI host, Optional<String> nodeImage, Optional<String> pythonImage, String network, DataSize maxLayerSize) {
    public static final String SLIPWAY_NETWORK = "slipway";
    /** The engine's network mode for every container: none, Slipway links it. */
    public static final String NO_ENGINE_NETWORK = "none";
    public static final URI DEFAULT_HOST = URI.create("unix:///var/run/docker.sock");

    public DockerSettings {
        Objects.requireNonNull(host, "host");
        if (!java.util.Set.of("unix", "tcp", "http", "https").contains(String.valueOf(host.getScheme()))) {
            throw new IllegalArgumentException("docker.host must be unix:///path/to/socket or tcp://host:port, not " + host);
        }
        Objects.requireNonNull(nodeImage, "nodeImage");
        Objects.requireNonNull(pythonImage, "pythonImage");
        nodeImage.ifPresent(image -> requireName(image, "docker.nodeImage"));
        pythonImage.ifPresent(image -> requireName(image, "docker.pythonImage"));
        if (!SLIPWAY_NETWORK.equals(network)) {
            throw new IllegalArgumentException("docker.network must be " + SLIPWAY_NETWORK + ", not " + network
                    + ": Slipway links each container to its own network behind its firewall; an engine network would let apps reach "
                    + "each other and the host");
        }
        Objects.requireNonNull(maxLayerSize, "maxLayerSize");
    }

    /** With the default {@code docker.maxLayerSize}. */
    public DockerSettings(URI host, Optional<String> nodeImage, Optional<String> pythonImage, String network) {
        this(host, nodeImage, pythonImage, network, io.slipway.config.RuntimeSettings.Docker.DEFAULT_MAX_LAYER_SIZE);
    }

    public DockerSettings withMaxLayerSize(DataSize size) {
        return new DockerSettings(host, nodeImage, pythonImage, network, size);
    }

    /** The engine at {@code host}, images made from the host's interpreters. */
    public static DockerSettings of(URI host) {
        return new DockerSettings(host, Optional.empty(), Optional.empty(), SLIPWAY_NETWORK);
    }

    private static void requireName(String image, String key) {
        if (!image.matches("[a-zA-Z0-9][a-zA-Z0-9._/:@-]*")) throw new IllegalArgumentException(key + " is not an image reference: " + image);
    }
}
