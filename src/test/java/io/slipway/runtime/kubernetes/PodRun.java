package io.slipway.runtime.kubernetes;

import com.github.dockerjava.api.exception.DockerException;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.slipway.runtime.kubernetes.PodStatuses.Exit;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A pod's containers in the engine and its {@code status} as they go: which container runs now, which ran before (for
 * {@code previous} logs), and each container's state, restart count and readiness. Its pod's worker changes it; other
 * threads only read which engine container holds a container's output.
 */
final class PodRun {
    private static final Logger LOG = LoggerFactory.getLogger(PodRun.class);

    /** A container of the pod that the engine runs now. */
    record Running(Container container, String id) {
    }

    private final KubeletNode node;
    private final Pod pod;
    private final Consumer<PodWorker.Event> events;
    private final PodStatus status = new PodStatus();
    private final Map<String, String> current = new ConcurrentHashMap<>();
    private final Map<String, String> previous = new ConcurrentHashMap<>();
    private final List<String> made = new CopyOnWriteArrayList<>();
    private volatile Running running;
    private volatile Container starting;
    private InetAddress podIp;
    private boolean initialized;

    /** @param events where each started container's exit is told */
    PodRun(KubeletNode node, Pod pod, Consumer<PodWorker.Event> events) {
        this.node = node;
        this.pod = pod;
        this.events = events;
    }

    PodStatus status() {
        return status;
    }

    InetAddress podIp() {
        return podIp;
    }

    Optional<Running> running() {
        return Optional.ofNullable(running);
    }

    void admitted(InetAddress ip) {
        podIp = ip;
        status.setPhase("Pending");
        status.setHostIP(KubeletNode.HOST_IP);
        status.setPodIP(ip.getHostAddress());
        status.setPodIPs(List.of(new PodIP(ip.getHostAddress())));
        status.setStartTime(PodStatuses.now());
        status.setInitContainerStatuses(pod.getSpec().getInitContainers().stream()
                .map(c -> PodStatuses.waiting(c, "PodInitializing", null)).toList());
        status.setContainerStatuses(pod.getSpec().getContainers().stream().map(c -> PodStatuses.waiting(c, "PodInitializing", null)).toList());
        PodStatuses.conditions(status, false, false);
    }

    void initialized() {
        initialized = true;
        PodStatuses.conditions(status, true, false);
    }

    /** Creates and starts attempt {@code attempt} of {@code container}; its exit will be told to the worker. */
    String start(Container container, PodVolumes volumes, PodContainers.Network network, int attempt, boolean init) {
        starting = container;
        String id = node.containers().create(pod, container, volumes, network, attempt);
        made.add(id);
        Optional.ofNullable(current.put(container.getName(), id)).ifPresent(old -> previous.put(container.getName(), old));
        node.docker().startContainerCmd(id).exec();
        running = new Running(container, id);
        starting = null;
        Thread.ofVirtual().name("kubelet-wait-" + container.getName()).start(() -> {
            try {
                node.waits().waitContainerCmd(id).start().awaitStatusCode();
            } catch (RuntimeException e) {
                LOG.debug("waiting for {} ended: {}", id, e.toString());
            }
            events.accept(new PodWorker.Event.Exited(id));
        });
        var inspected = node.docker().inspectContainerCmd(id).exec();
        ContainerStatus own = of(container);
        if (own.getState().getTerminated() != null) own.setLastState(own.getState());
        own.setState(PodStatuses.running(PodStatuses.time(inspected.getState().getStartedAt())));
        own.setContainerID("docker://" + id);
        own.setImageID(inspected.getImageId());
        own.setRestartCount(attempt);
        own.setStarted(true);
        own.setReady(false);
        if (!init) status.setPhase("Running");
        PodStatuses.conditions(status, initialized, false);
        return id;
    }

    /** Records how {@code container} ended; {@code killedByKubelet} when its termination made it. */
    void ended(Container container, Exit exit, boolean killedByKubelet) {
        ContainerStatus own = of(container);
        own.setState(exit.state(exit.reason(PodStatuses.memoryLimited(container), killedByKubelet), own.getContainerID()));
        own.setReady(false);
        own.setStarted(false);
        if (running != null && running.container().getName().equals(container.getName())) running = null;
        PodStatuses.conditions(status, initialized, false);
    }

    void crashLooping(Container container, Duration delay) {
        ContainerStatus own = of(container);
        own.setLastState(own.getState());
        own.setState(PodStatuses.waitingState("CrashLoopBackOff", "back-off " + delay.toMillis() + "ms restarting failed container="
                + container.getName() + " pod=" + pod.getMetadata().getName() + "_" + pod.getMetadata().getNamespace()));
    }

    /** Sets the app container's readiness; whether it changed. */
    boolean ready(boolean ready) {
        ContainerStatus app = status.getContainerStatuses().getFirst();
        boolean changed = !Boolean.valueOf(ready).equals(app.getReady());
        app.setReady(ready);
        PodStatuses.conditions(status, initialized, ready);
        return changed;
    }

    /** The container that was to start next cannot: it waits with {@code reason}. */
    void cannotStart(String reason, String message) {
        Container container = starting != null ? starting : pod.getSpec().getContainers().getFirst();
        of(container).setState(PodStatuses.waitingState(reason, message));
    }

    /** After the pod's termination: not ready, and the phase its containers' exits make. */
    void terminated() {
        PodStatuses.conditions(status, initialized, false);
        boolean failed = status.getContainerStatuses().stream().anyMatch(s -> s.getState().getTerminated() == null
                || s.getState().getTerminated().getExitCode() != 0);
        status.setPhase(failed ? "Failed" : "Succeeded");
    }

    Exit exitOf(String id) {
        return Exit.of(node.docker().inspectContainerCmd(id).exec());
    }

    long hostPid(String id) {
        return node.docker().inspectContainerCmd(id).exec().getState().getPidLong();
    }

    Optional<String> containerId(String name, boolean previousRun) {
        return Optional.ofNullable((previousRun ? previous : current).get(name));
    }

    /** Removes every engine container the pod had, running or not. */
    void removeContainers() {
        for (String id : made) {
            try {
                node.docker().removeContainerCmd(id).withForce(true).exec();
            } catch (DockerException e) {
                LOG.debug("removing {}: {}", id, e.toString());
            }
        }
        made.clear();
    }

    private ContainerStatus of(Container container) {
        return Stream.concat(status.getInitContainerStatuses().stream(), status.getContainerStatuses().stream())
                .filter(s -> s.getName().equals(container.getName())).findFirst()
                .orElseThrow(() -> new IllegalStateException("pod " + pod.getMetadata().getName() + " has no container " + container.getName()));
    }
}
