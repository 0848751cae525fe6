package io.slipway.runtime.kubernetes;

import com.github.dockerjava.api.DockerClient;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Duration;

/**
 * What every pod worker of one {@link TestKubelet} shares: the API, the engine, the addresses, the node's directory.
 *
 * @param api        a client of the mock API server
 * @param docker     the engine, for calls that answer at once
 * @param waits      the engine, for waiting on a container's exit (no response timeout)
 * @param containers makes the engine's containers
 * @param addresses  pods' addresses on the loopback
 * @param root       where pods' volumes are made, one directory per pod uid
 * @param backOff    the delay before the second restart of a failed container, doubled at each further one
 * @param maxBackOff the longest delay
 */
record KubeletNode(KubernetesClient api, DockerClient docker, DockerClient waits, PodContainers containers, LoopbackAddresses addresses,
                   Path root, Duration backOff, Duration maxBackOff) {
    /** The finalizer the kubelet puts on every pod it creates, so that a DELETE only marks the pod until it has stopped. */
    static final String FINALIZER = "test-kubelet.slipway.io/containers";
    static final String NODE_NAME = "test-kubelet";
    static final String HOST_IP = "127.0.0.1";

    /** The delay before restart {@code restart} (1, 2, …) of a container: none before the first, as a kubelet's. */
    Duration backOffBefore(int restart) {
        if (restart <= 1) return Duration.ZERO;
        Duration delay = backOff.multipliedBy(1L << Math.min(20, restart - 2));
        return delay.compareTo(maxBackOff) > 0 ? maxBackOff : delay;
    }
}
