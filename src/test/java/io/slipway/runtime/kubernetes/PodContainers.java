package io.slipway.runtime.kubernetes;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.command.InspectImageResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.LogConfig;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Engine containers made of a pod's containers, as a kubelet's container runtime would make them. The command is {@code
 * command} + {@code args} over the image's entrypoint and cmd, with Kubernetes' rules; its PID 1 is that command (no
 * init: node or python as PID 1 ignore SIGTERM unless they handle it, as on a node). The environment is the image's, then
 * the container's {@code envFrom} ({@code secretRef}s only, a missing one a {@code CreateContainerConfigError}), then its
 * {@code env} (plain {@code value}s only), with the usual {@code PATH} when neither sets one (an image
 * imported from a tar has no {@code Env}). The security context is applied: user and group ({@code runAsUser}, {@code
 * runAsGroup}, the pod's {@code fsGroup} and {@code supplementalGroups} as extra groups), {@code runAsNonRoot} checked,
 * {@code readOnlyRootFilesystem} (with {@code /run}, {@code /var/tmp} and an unmounted {@code /tmp} as small read-only
 * tmpfs, where podman would mount writable ones of its own), {@code capabilities}, {@code allowPrivilegeEscalation:
 * false} as {@code no-new-privileges}; seccomp is the engine's default profile, which is what {@code RuntimeDefault}
 * names. Limits: memory with no swap beyond it, CPU as NanoCpus; requests are not applied.
 *
 * <p>Init containers run on the host's network, so that they reach the host's loopback. App containers get a network of
 * their own, podman's {@code slirp4netns}, with each {@code containerPort} published at the pod's address on the host
 * (measured to need no iptables, DESIGN §9): {@code podIP:containerPort} reaches the container from the host as it would
 * from a node.
 */
final class PodContainers {
    static final String KUBELET_LABEL = "io.slipway.test-kubelet";
    private static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    private static final String NOT_WRITABLE = "ro,nosuid,nodev,noexec,size=64k,mode=0755";

    private final DockerClient docker;
    private final String kubelet;
    private final java.util.function.Function<String, Optional<Map<String, String>>> secrets;

    /**
     * @param kubelet the value of {@value #KUBELET_LABEL} on every container made
     * @param secrets the decoded data of the namespace's Secret of a name, or none when there is no such Secret
     */
    PodContainers(DockerClient docker, String kubelet, java.util.function.Function<String, Optional<Map<String, String>>> secrets) {
        this.docker = docker;
        this.kubelet = kubelet;
        this.secrets = secrets;
    }

    /** How a container is reached: the host's network, or its own with its ports published at {@code podIp}. */
    sealed interface Network {
        record Host() implements Network {
        }

        record OwnPublishedAt(InetAddress podIp) implements Network {
        }
    }

    /** Creates (does not start) the engine container for attempt {@code attempt} of {@code container}; returns its id. */
    String create(Pod pod, Container container, PodVolumes volumes, Network network, int attempt) {
        InspectImageResponse image;
        try {
            image = docker.inspectImageCmd(container.getImage()).exec();
        } catch (NotFoundException e) {
            throw new ContainerConfigException("ErrImagePull", "the engine has no image " + container.getImage());
        }
        // A pod that shares one process namespace has the pause container as its PID 1, so no container's command is:
        // an init in each container stands in for it (the command then gets SIGTERM's default action, as on a node).
        boolean shared = Boolean.TRUE.equals(pod.getSpec().getShareProcessNamespace());
        HostConfig host = HostConfig.newHostConfig().withInit(shared).withLogConfig(new LogConfig(LogConfig.LoggingType.JSON_FILE))
                .withBinds(volumes.binds(container));
        security(pod, container, host);
        limits(container, host);
        Map<String, String> tmpfs = new LinkedHashMap<>();
        if (host.getReadonlyRootfs() != null && host.getReadonlyRootfs()) {
            for (String path : List.of("/run", "/var/tmp", "/tmp")) {
                if (container.getVolumeMounts().stream().noneMatch(m -> m.getMountPath().equals(path))) tmpfs.put(path, NOT_WRITABLE);
            }
        }
        host.withTmpFs(tmpfs);
        CreateContainerCmd create = docker.createContainerCmd(container.getImage())
                .withName("k8s_" + container.getName() + "_" + pod.getMetadata().getName() + "_" + pod.getMetadata().getUid() + "_" + attempt)
                .withEnv(environment(image, container, secrets))
                .withLabels(Map.of(KUBELET_LABEL, kubelet, "io.kubernetes.pod.name", pod.getMetadata().getName(),
                        "io.kubernetes.pod.uid", pod.getMetadata().getUid(), "io.kubernetes.container.name", container.getName()));
        switch (network) {
            case Network.Host ignored -> host.withNetworkMode("host");
            case Network.OwnPublishedAt own -> {
                List<PortBinding> bindings = new ArrayList<>();
                for (ContainerPort port : container.getPorts()) {
                    ExposedPort exposed = ExposedPort.tcp(port.getContainerPort());
                    bindings.add(new PortBinding(Ports.Binding.bindIpAndPort(own.podIp().getHostAddress(), port.getContainerPort()), exposed));
                }
                host.withNetworkMode("slirp4netns").withPortBindings(bindings);
                create.withHostName(pod.getMetadata().getName())
                        .withExposedPorts(bindings.stream().map(PortBinding::getExposedPort).toList());
            }
        }
        if (container.getCommand() != null && !container.getCommand().isEmpty()) {
            create.withEntrypoint(container.getCommand());
            create.withCmd(container.getArgs() == null ? List.of() : container.getArgs());
        } else if (container.getArgs() != null && !container.getArgs().isEmpty()) {
            create.withCmd(container.getArgs());
        }
        if (container.getWorkingDir() != null) create.withWorkingDir(container.getWorkingDir());
        user(pod, container, image).ifPresent(create::withUser);
        return create.withHostConfig(host).exec().getId();
    }

    private static List<String> environment(InspectImageResponse image, Container container,
                                            java.util.function.Function<String, Optional<Map<String, String>>> secrets) {
        Map<String, String> env = new LinkedHashMap<>();
        String[] imageEnv = image.getConfig() == null ? null : image.getConfig().getEnv();
        if (imageEnv != null) {
            for (String entry : imageEnv) env.put(entry.substring(0, Math.max(0, entry.indexOf('='))), entry.substring(entry.indexOf('=') + 1));
        }
        for (var source : container.getEnvFrom()) {
            if (source.getSecretRef() == null) throw new ContainerConfigException("CreateContainerConfigError", "envFrom: only secretRef is supported by the test kubelet");
            String name = source.getSecretRef().getName();
            Optional<Map<String, String>> data = secrets.apply(name);
            if (data.isEmpty() && !Boolean.TRUE.equals(source.getSecretRef().getOptional())) {
                throw new ContainerConfigException("CreateContainerConfigError", "secret \"" + name + "\" not found");
            }
            data.ifPresent(env::putAll);
        }
        for (EnvVar variable : container.getEnv()) {
            if (variable.getValueFrom() != null) throw new ContainerConfigException("CreateContainerConfigError", "env " + variable.getName() + ": valueFrom is not supported by the test kubelet");
            env.put(variable.getName(), variable.getValue() == null ? "" : variable.getValue());
        }
        env.putIfAbsent("PATH", DEFAULT_PATH);
        return env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
    }

    /** {@code uid[:gid]}, or none for the image's own user; refuses root under {@code runAsNonRoot}, as the kubelet does. */
    private static Optional<String> user(Pod pod, Container container, InspectImageResponse image) {
        PodSecurityContext podContext = Optional.ofNullable(pod.getSpec().getSecurityContext()).orElseGet(PodSecurityContext::new);
        SecurityContext own = Optional.ofNullable(container.getSecurityContext()).orElseGet(SecurityContext::new);
        Long uid = own.getRunAsUser() != null ? own.getRunAsUser() : podContext.getRunAsUser();
        Long gid = own.getRunAsGroup() != null ? own.getRunAsGroup() : podContext.getRunAsGroup();
        Boolean nonRoot = own.getRunAsNonRoot() != null ? own.getRunAsNonRoot() : podContext.getRunAsNonRoot();
        String imageUser = image.getConfig() == null || image.getConfig().getUser() == null ? "" : image.getConfig().getUser();
        boolean root = uid != null ? uid == 0 : imageUser.isEmpty() || imageUser.equals("0") || imageUser.startsWith("root") || imageUser.startsWith("0:");
        if (Boolean.TRUE.equals(nonRoot) && root) {
            throw new ContainerConfigException("CreateContainerConfigError", "container has runAsNonRoot and image will run as root (pod: \""
                    + pod.getMetadata().getName() + "\", container: " + container.getName() + ")");
        }
        if (uid == null) return Optional.empty();
        return Optional.of(uid + (gid == null ? "" : ":" + gid));
    }

    private static void security(Pod pod, Container container, HostConfig host) {
        PodSecurityContext podContext = pod.getSpec().getSecurityContext();
        List<String> groups = new ArrayList<>();
        if (podContext != null && podContext.getFsGroup() != null) groups.add(podContext.getFsGroup().toString());
        if (podContext != null && podContext.getSupplementalGroups() != null) podContext.getSupplementalGroups().forEach(g -> groups.add(g.toString()));
        if (!groups.isEmpty()) host.withGroupAdd(groups);
        SecurityContext own = container.getSecurityContext();
        if (own == null) return;
        host.withReadonlyRootfs(Boolean.TRUE.equals(own.getReadOnlyRootFilesystem())).withPrivileged(Boolean.TRUE.equals(own.getPrivileged()));
        List<String> options = new ArrayList<>();
        if (Boolean.FALSE.equals(own.getAllowPrivilegeEscalation())) options.add("no-new-privileges");
        if (own.getSeccompProfile() != null && "Unconfined".equals(own.getSeccompProfile().getType())) options.add("seccomp=unconfined");
        host.withSecurityOpts(options);
        if (own.getCapabilities() != null) {
            host.withCapDrop(own.getCapabilities().getDrop().stream().map(PodContainers::capability).toArray(Capability[]::new));
            host.withCapAdd(own.getCapabilities().getAdd().stream().map(PodContainers::capability).toArray(Capability[]::new));
        }
    }

    private static Capability capability(String name) {
        return Capability.valueOf(name.toUpperCase().replaceFirst("^CAP_", ""));
    }

    private static void limits(Container container, HostConfig host) {
        if (container.getResources() == null || container.getResources().getLimits() == null) return;
        Quantity memory = container.getResources().getLimits().get("memory");
        if (memory != null) {
            long bytes = Quantity.getAmountInBytes(memory).longValueExact();
            host.withMemory(bytes).withMemorySwap(bytes);
        }
        Quantity cpu = container.getResources().getLimits().get("cpu");
        if (cpu != null) host.withNanoCPUs(Quantity.getAmountInBytes(cpu).multiply(BigDecimal.valueOf(1_000_000_000L)).longValue());
    }

    /** The container cannot be made as its spec says; {@code reason} is the kubelet's for its {@code waiting} state. */
    static final class ContainerConfigException extends RuntimeException {
        private final String reason;

        ContainerConfigException(String reason, String message) {
            super(message);
            this.reason = reason;
        }

        String reason() {
            return reason;
        }
    }
}
