package io.slipway.runtime.kubernetes;

import com.github.dockerjava.api.exception.DockerException;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.slipway.runtime.kubernetes.PodStatuses.Exit;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The end of a pod, as a kubelet ends one the API has marked for deletion: the container running now (init or app) gets
 * SIGTERM, and SIGKILL once {@code metadata.deletionGracePeriodSeconds} have passed (at once for 0; a later, shorter
 * grace shortens the wait); its status is then written with that container {@code terminated} with the exit code the
 * engine reports (0 for a clean exit, 143 for death by SIGTERM, 137 by SIGKILL) and the pod's phase {@code Succeeded} or
 * {@code Failed}; then its finalizer goes, upon which the API server deletes the object, and then its containers, volumes
 * and address. A pod that vanished from the API is killed at once; on the kubelet's close, containers are removed at
 * once and the API is left alone.
 */
final class PodTermination {
    private static final Logger LOG = LoggerFactory.getLogger(PodTermination.class);
    private static final long DEFAULT_GRACE_SECONDS = 30;

    private final KubeletNode node;
    private final PodWorker worker;
    private final PodRun run;

    PodTermination(KubeletNode node, PodWorker worker, PodRun run) {
        this.node = node;
        this.worker = worker;
        this.run = run;
    }

    void terminate(PodVolumes volumes, InetAddress ip) {
        try {
            if (!worker.abandoned()) {
                run.running().ifPresent(running -> run.ended(running.container(), stop(running.id()), true));
                run.terminated();
                worker.write();
            }
        } catch (RuntimeException e) {
            LOG.warn("pod {}: its termination failed: {}", worker.name(), e.toString());
        } finally {
            // A real pod lingers after its containers stopped (the kubelet's status sync, the API's deletion), and its log
            // can be read meanwhile: a follower's last read of a stopped app finds its last lines. Simulated as a pause.
            if (!worker.abandoned()) lingerAfterStop();
            // The object goes first, the stopped containers after, as a kubelet collects them later: the API sees the
            // pod gone as soon as it has stopped. Its address is free only once its containers are.
            worker.finish();
            try {
                if (!worker.abandoned() && !worker.gone()) removeFinalizer();
            } finally {
                run.removeContainers();
                if (volumes != null) volumes.close();
                if (ip != null) node.addresses().release(ip);
            }
        }
    }

    private Exit stop(String id) {
        long started = System.nanoTime();
        long deadline = started + TimeUnit.SECONDS.toNanos(grace());
        boolean killed = false;
        if (deadline > started) signal(id, "SIGTERM");
        while (true) {
            if (!killed) deadline = Math.min(deadline, started + TimeUnit.SECONDS.toNanos(grace()));
            if (!killed && System.nanoTime() >= deadline) {
                signal(id, "SIGKILL");
                killed = true;
                deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            } else if (killed && System.nanoTime() >= deadline) {
                throw new IllegalStateException("container " + id + " did not exit within 10 s of SIGKILL");
            }
            PodWorker.Event event = worker.poll(Math.max(0, Math.min(deadline - System.nanoTime(), TimeUnit.MILLISECONDS.toNanos(200))));
            boolean exited = event instanceof PodWorker.Event.Exited e && e.containerId().equals(id);
            // The exit may have been taken from the queue before the termination began: the engine knows.
            if (exited || !runningNow(id)) return run.exitOf(id);
        }
    }

    /** The grace the API set on the pod's deletion; none for a pod that is gone or a kubelet that closes. */
    private long grace() {
        if (worker.gone() || worker.abandoned()) return 0;
        Pod pod = worker.pod();
        Long grace = pod.getMetadata().getDeletionGracePeriodSeconds();
        if (grace == null) grace = pod.getSpec().getTerminationGracePeriodSeconds();
        return grace == null ? DEFAULT_GRACE_SECONDS : Math.max(0, grace);
    }

    private void signal(String id, String signal) {
        try {
            node.docker().killContainerCmd(id).withSignal(signal).exec();
        } catch (DockerException e) {
            LOG.debug("{} to {}: {}", signal, id, e.toString());
        }
    }

    private boolean runningNow(String id) {
        return Boolean.TRUE.equals(node.docker().inspectContainerCmd(id).exec().getState().getRunning());
    }

    /** How long a stopped pod stays readable before its object goes: short beside a real cluster's, enough for a last read. */
    private static final java.time.Duration LINGER = java.time.Duration.ofMillis(1500);

    private static void lingerAfterStop() {
        try {
            Thread.sleep(LINGER);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void removeFinalizer() {
        try {
            Pod current = node.api().pods().inNamespace(worker.namespace()).withName(worker.name()).get();
            if (current == null) return;
            List<String> finalizers = new ArrayList<>(current.getMetadata().getFinalizers());
            int index = finalizers.indexOf(KubeletNode.FINALIZER);
            if (index < 0) return;
            node.api().pods().inNamespace(worker.namespace()).withName(worker.name()).patch(
                    PatchContext.of(PatchType.JSON),
                    "[{\"op\":\"test\",\"path\":\"/metadata/finalizers/" + index + "\",\"value\":\"" + KubeletNode.FINALIZER + "\"},"
                            + "{\"op\":\"remove\",\"path\":\"/metadata/finalizers/" + index + "\"}]");
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) LOG.warn("pod {}: cannot remove its finalizer: {}", worker.name(), e.getMessage());
        }
    }
}
