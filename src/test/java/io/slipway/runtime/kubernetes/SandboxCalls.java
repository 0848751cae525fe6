package io.slipway.runtime.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Plain fabric8 calls on sandboxes' objects, as the kubernetes runtime will make them, with the waits a test needs
 * (Awaitility, {@value #DEADLINE_SECONDS} s at most each). {@link #close()} stops the watches it started.
 */
final class SandboxCalls implements AutoCloseable {
    static final int DEADLINE_SECONDS = 20;
    static final Duration DEADLINE = Duration.ofSeconds(DEADLINE_SECONDS);

    /** One version of a pod as a watch delivered it. */
    record Seen(String event, Pod pod) {
    }

    private final KubernetesClient client;
    private final String namespace;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final List<SharedIndexInformer<Pod>> informers = new CopyOnWriteArrayList<>();

    SandboxCalls(KubernetesClient client, String namespace) {
        this.client = client;
        this.namespace = namespace;
    }

    /** Creates the Deployment (0 replicas) and its Service, scales to 1 with a merge patch; the pod, once ready. */
    String scaleUp(io.fabric8.kubernetes.api.model.apps.Deployment deployment) {
        String name = deployment.getMetadata().getName();
        client.apps().deployments().inNamespace(namespace).resource(deployment).create();
        client.services().inNamespace(namespace).resource(SandboxObjects.service(name)).create();
        long started = System.nanoTime();
        scale(name, 1);
        await().atMost(DEADLINE).until(() -> readyReplicas(name) == 1);
        System.out.printf("%s: ready %d ms after the scale-up%n", name, Duration.ofNanos(System.nanoTime() - started).toMillis());
        Pod pod = client.pods().inNamespace(namespace).withLabel(SandboxObjects.APP, name).list().getItems().stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null).findFirst().orElseThrow();
        assertThat(pod.getStatus().getPhase()).isEqualTo("Running");
        assertThat(app(pod).getReady()).isTrue();
        return pod.getMetadata().getName();
    }

    void scale(String name, int replicas) {
        patch(name, "{\"spec\":{\"replicas\":" + replicas + "}}");
    }

    void patch(String name, String mergePatch) {
        client.apps().deployments().inNamespace(namespace).withName(name).patch(PatchContext.of(PatchType.JSON_MERGE), mergePatch);
    }

    void deletePod(String pod, long graceSeconds) {
        client.pods().inNamespace(namespace).withName(pod).withGracePeriod(graceSeconds).delete();
    }

    /** Deletes the Deployment and its Service and waits until its pods are gone. */
    void remove(String name) {
        client.apps().deployments().inNamespace(namespace).withName(name).delete();
        client.services().inNamespace(namespace).withName(name).delete();
        await().atMost(DEADLINE).until(() -> client.pods().inNamespace(namespace).withLabel(SandboxObjects.APP, name).list().getItems().isEmpty());
    }

    int readyReplicas(String name) {
        var status = client.apps().deployments().inNamespace(namespace).withName(name).get().getStatus();
        return status == null || status.getReadyReplicas() == null ? 0 : status.getReadyReplicas();
    }

    /** The Service's {@code spec.clusterIP}, re-read until it is set. */
    String clusterIp(String name) {
        return await().atMost(DEADLINE).until(() -> client.services().inNamespace(namespace).withName(name).get().getSpec().getClusterIP(),
                ip -> ip != null && !ip.isEmpty());
    }

    Pod pod(String name) {
        return client.pods().inNamespace(namespace).withName(name).get();
    }

    boolean gone(String pod) {
        return pod(pod) == null;
    }

    static ContainerStatus app(Pod pod) {
        return pod.getStatus().getContainerStatuses().stream().filter(s -> s.getName().equals("app")).findFirst().orElseThrow();
    }

    /** Every version of the app's pods the API shows from now on, as the runtime's informer (by label) sees them. */
    List<Seen> watch(String app) {
        List<Seen> seen = new CopyOnWriteArrayList<>();
        informers.add(client.pods().inNamespace(namespace).withLabel(SandboxObjects.APP, app).inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod p) {
                seen.add(new Seen("ADDED", p));
            }

            @Override
            public void onUpdate(Pod old, Pod now) {
                seen.add(new Seen("MODIFIED", now));
            }

            @Override
            public void onDelete(Pod p, boolean unknown) {
                seen.add(new Seen("DELETED", p));
            }
        }));
        return seen;
    }

    static List<Pod> versionsOf(List<Seen> seen, String pod) {
        return seen.stream().map(Seen::pod).filter(p -> p.getMetadata().getName().equals(pod)).toList();
    }

    /** The last {@code terminated} state of the app container among the pod's versions. */
    static ContainerStateTerminated terminated(List<Seen> seen, String pod) {
        return versionsOf(seen, pod).stream().filter(p -> p.getStatus() != null && !p.getStatus().getContainerStatuses().isEmpty())
                .map(p -> app(p).getState().getTerminated()).filter(Objects::nonNull).reduce((first, last) -> last)
                .orElseThrow(() -> new AssertionError("no version of pod " + pod + " showed its app container terminated"));
    }

    /** {@code GET http://<address>/path}'s body. */
    String get(String address, String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + address + path)).timeout(Duration.ofSeconds(5)).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString()).body();
    }

    @Override
    public void close() {
        informers.forEach(SharedIndexInformer::close);
        informers.clear();
    }
}
