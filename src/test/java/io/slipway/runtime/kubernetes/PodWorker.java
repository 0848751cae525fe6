package io.slipway.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.slipway.runtime.kubernetes.PodContainers.ContainerConfigException;
import io.slipway.runtime.kubernetes.PodStatuses.Exit;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One pod's life on the {@link TestKubelet}'s node, on a virtual thread of its own, as a kubelet's pod worker: its
 * address and volumes, its init containers in order (each to completion; a failed one is retried after a back-off, its
 * status showing {@code terminated {exitCode, reason: Error}}, then {@code waiting {CrashLoopBackOff}} with that as
 * {@code lastState}), then its app container (one, the pod's first), probed for readiness, restarted when it exits as
 * {@code restartPolicy: Always} says; and, once the API marks the pod for deletion, its termination ({@link
 * PodTermination}). A bare pod ({@code restartPolicy: Never}) is not restarted: once its container (or a failed init
 * container) has ended, its phase is {@code Succeeded} or {@code Failed} until it is deleted. Everything it learns it writes to the pod's {@code status} with a PUT of {@code /status}, from this
 * thread alone. Other threads talk to it by {@link #observe events}.
 */
final class PodWorker {
    private static final Logger LOG = LoggerFactory.getLogger(PodWorker.class);

    /** What the worker hears of: its pod as the API now has it, its disappearance, a container's exit, the kubelet's close. */
    sealed interface Event {
        record Changed(Pod pod) implements Event {
        }

        record Gone() implements Event {
        }

        record Exited(String containerId) implements Event {
        }

        record Abandon() implements Event {
        }
    }

    /** Thrown out of any wait once the pod is to stop. */
    static final class Terminating extends RuntimeException {
        Terminating() {
            super(null, null, false, false);
        }
    }

    private final KubeletNode node;
    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final PodRun run;
    private volatile Pod pod;
    private volatile boolean gone;
    private volatile boolean abandoned;
    private volatile boolean finished;
    private Thread thread;

    PodWorker(KubeletNode node, Pod pod) {
        this.node = node;
        this.pod = pod;
        this.run = new PodRun(node, pod, events::add);
    }

    String name() {
        return pod.getMetadata().getName();
    }

    String namespace() {
        return pod.getMetadata().getNamespace();
    }

    PodRun run() {
        return run;
    }

    void start() {
        thread = Thread.ofVirtual().name("kubelet-pod-" + name()).start(this::live);
    }

    void observe(Event event) {
        events.add(event);
    }

    /** Waits up to {@code timeout} for the worker to end; whether it did. */
    boolean join(Duration timeout) throws InterruptedException {
        return thread == null || thread.join(timeout);
    }

    private void live() {
        PodVolumes volumes = null;
        InetAddress ip = null;
        try {
            ip = node.addresses().next(pod.getSpec().getContainers().stream().flatMap(c -> c.getPorts().stream()).map(ContainerPort::getContainerPort).toList());
            run.admitted(ip);
            write();
            volumes = PodVolumes.create(node.root().resolve(pod.getMetadata().getUid()), pod);
            List<Container> inits = pod.getSpec().getInitContainers();
            for (int i = 0; i < inits.size(); i++) runInit(i, inits.get(i), volumes);
            run.initialized();
            runApp(pod.getSpec().getContainers().getFirst(), volumes);
            awaitTermination();
        } catch (Terminating e) {
            // the pod is to stop: below
        } catch (ContainerConfigException e) {
            run.cannotStart(e.reason(), e.getMessage());
            write();
            awaitTerminationQuietly();
        } catch (RuntimeException e) {
            LOG.warn("pod {}: {}", name(), e.toString());
            run.cannotStart("CreateContainerError", e.getMessage());
            write();
            awaitTerminationQuietly();
        } finally {
            new PodTermination(node, this, run).terminate(volumes, ip);
        }
    }

    private void runInit(int index, Container container, PodVolumes volumes) {
        for (int attempt = 0; ; attempt++) {
            String id = run.start(container, volumes, new PodContainers.Network.Host(), attempt, true);
            write();
            Exit exit = awaitExit(id, null);
            boolean done = exit.code() == 0;
            run.ended(container, exit, false);
            write();
            if (done) return;
            if ("Never".equals(pod.getSpec().getRestartPolicy())) {
                // A bare pod's failed init container is not retried: the pod has failed, and waits to be deleted.
                run.terminated();
                write();
                awaitTermination();
            }
            backOff(container, attempt + 1);
        }
    }

    private void runApp(Container container, PodVolumes volumes) {
        for (int attempt = 0; ; attempt++) {
            // A pod that serves no port (a build step's) runs on the host's network, where it reaches Slipway on the
            // loopback as a pod reaches Slipway's pod IP; one that serves ports gets a network of its own.
            PodContainers.Network network = container.getPorts().isEmpty() ? new PodContainers.Network.Host()
                    : new PodContainers.Network.OwnPublishedAt(run.podIp());
            String id = run.start(container, volumes, network, attempt, false);
            Optional<ReadinessProbe> probe = Optional.ofNullable(container.getReadinessProbe())
                    .map(p -> new ReadinessProbe(p, container, run.podIp(), run.hostPid(id)));
            run.ready(probe.isEmpty());
            write();
            Exit exit = awaitExit(id, probe.orElse(null));
            run.ended(container, exit, false);
            write();
            String policy = pod.getSpec().getRestartPolicy() == null ? "Always" : pod.getSpec().getRestartPolicy();
            if (policy.equals("Never") || (policy.equals("OnFailure") && exit.code() == 0)) {
                // The pod's one container has ended for good: its phase says how (Succeeded or Failed) until it is deleted.
                run.terminated();
                write();
                return;
            }
            backOff(container, attempt + 1);
        }
    }

    /** Before restart {@code restart}: waits the back-off, showing {@code waiting {CrashLoopBackOff}} meanwhile. */
    private void backOff(Container container, int restart) {
        Duration delay = node.backOffBefore(restart);
        if (delay.isZero()) return;
        run.crashLooping(container, delay);
        write();
        awaitQuiet(delay);
    }

    /** Waits for {@code id} to exit, probing its readiness meanwhile when {@code probe} is given. */
    private Exit awaitExit(String id, ReadinessProbe probe) {
        long nextProbe = System.nanoTime() + (probe == null ? 0 : probe.initialDelay().toNanos());
        while (true) {
            long wait = probe == null ? TimeUnit.SECONDS.toNanos(1) : Math.max(0, nextProbe - System.nanoTime());
            Event event = next(wait);
            if (event instanceof Event.Exited exited && exited.containerId().equals(id)) return run.exitOf(id);
            if (event == null && probe != null && System.nanoTime() >= nextProbe) {
                if (run.ready(probe.probe())) write();
                nextProbe = System.nanoTime() + probe.period().toNanos();
            }
        }
    }

    private void awaitQuiet(Duration delay) {
        long until = System.nanoTime() + delay.toNanos();
        while (System.nanoTime() < until) next(until - System.nanoTime());
    }

    private void awaitTermination() {
        while (true) next(TimeUnit.SECONDS.toNanos(1));
    }

    private void awaitTerminationQuietly() {
        try {
            awaitTermination();
        } catch (Terminating e) {
            // the pod is to stop
        }
    }

    /**
     * The next event within {@code nanos} (null if none), having applied it; throws {@link Terminating} once the pod is
     * marked for deletion, gone, or the kubelet closes.
     */
    Event next(long nanos) {
        Event event;
        try {
            event = events.poll(nanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            abandoned = true;
            throw new Terminating();
        }
        apply(event);
        if (terminating() && !(event instanceof Event.Exited)) throw new Terminating();
        return event;
    }

    /** The next event within {@code nanos} (null if none), having applied it; for the termination, which is under way. */
    Event poll(long nanos) {
        try {
            Event event = events.poll(nanos, TimeUnit.NANOSECONDS);
            apply(event);
            return event;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            abandoned = true;
            return null;
        }
    }

    private void apply(Event event) {
        switch (event) {
            case Event.Changed changed -> pod = changed.pod();
            case Event.Gone ignored -> gone = true;
            case Event.Abandon ignored -> abandoned = true;
            case Event.Exited ignored -> { }
            case null -> { }
        }
    }

    boolean terminating() {
        return abandoned || gone || pod.getMetadata().getDeletionTimestamp() != null;
    }

    boolean gone() {
        return gone;
    }

    boolean abandoned() {
        return abandoned;
    }

    /** Whether its containers are gone: what is left of the pod is its object, about to go too. */
    boolean finished() {
        return finished;
    }

    void finish() {
        finished = true;
    }

    Pod pod() {
        return pod;
    }

    /** PUTs the pod's status as the run has it, unless the pod is gone or the kubelet is closing. */
    void write() {
        if (gone || abandoned) return;
        PodStatus status = run.status();
        Pod update = new PodBuilder().withNewMetadata().withName(name()).withNamespace(namespace()).endMetadata().withStatus(status).build();
        try {
            node.api().pods().inNamespace(namespace()).resource(update).updateStatus();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) gone = true;
            else LOG.warn("pod {}: cannot write its status: {}", name(), e.getMessage());
        }
    }

    /** The engine id of the pod's container {@code name}'s current (or previous) run, if it has one. */
    Optional<String> containerId(String name, boolean previous) {
        return run.containerId(name, previous);
    }
}
