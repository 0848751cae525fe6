package io.slipway.runtime.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.DockerClient;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.slipway.app.Language;
import io.slipway.runtime.docker.DockerRuntimes;
import io.slipway.runtime.docker.HostBuiltImages;
import io.slipway.testing.PodmanEngine;
import io.slipway.testing.PodmanExtension;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The {@link TestKubelet} over fabric8's mock API server, driven with plain fabric8 calls as the kubernetes runtime will
 * drive a cluster: Deployments scaled 0↔1 run real containers on podman, reachable through their Service.
 */
@ExtendWith(PodmanExtension.class)
class TestKubeletIT {
    private static final String NAMESPACE = "sandboxes";
    private static final String GREETING = "hello from the init container";
    private static final String WRITE_GREETING = "require('fs').writeFileSync('/work/greeting', '" + GREETING + "')";
    private static final String EXIT_ON_SIGTERM = "process.on('SIGTERM', () => process.exit(0));";
    private static final String SERVE_GREETING = """
            const greeting = require('fs').readFileSync('/work/greeting', 'utf8');
            require('http').createServer((q, s) => s.end(greeting)).listen(+process.env.PORT, () => console.log('listening on ' + process.env.PORT));
            """;
    private static final Duration DEADLINE = Duration.ofSeconds(20);

    private static PodmanEngine engine;
    private static String node;
    private static TestKubelet kubelet;
    private static KubernetesClient client;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final List<SharedIndexInformer<Pod>> informers = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void startKubelet(PodmanEngine podman) {
        engine = podman;
        node = HostBuiltImages.of(engine, Language.NODE);
        kubelet = TestKubelet.start(engine, NAMESPACE, Duration.ofMillis(200));
        client = kubelet.newClient();
    }

    @AfterAll
    static void stopKubelet() {
        if (client != null) client.close();
        if (kubelet != null) kubelet.close();
    }

    @AfterEach
    void stopWatching() {
        informers.forEach(SharedIndexInformer::close);
    }

    @Test
    void aDeploymentScaledToOneRunsItsPodReadyBehindItsServiceUntilScaledToZero() throws Exception {
        String pod = scaleUp("hello", EXIT_ON_SIGTERM + SERVE_GREETING);
        Deployment deployment = client.apps().deployments().inNamespace(NAMESPACE).withName("hello").get();
        assertThat(deployment.getStatus().getReplicas()).isEqualTo(1);
        assertThat(deployment.getStatus().getAvailableReplicas()).isEqualTo(1);
        assertThat(deployment.getStatus().getObservedGeneration()).isEqualTo(deployment.getMetadata().getGeneration());
        Pod running = pod(pod);
        assertThat(running.getMetadata().getLabels()).containsAllEntriesOf(SandboxObjects.labels("hello"));
        assertThat(running.getMetadata().getOwnerReferences()).singleElement().satisfies(o -> assertThat(o.getName()).isEqualTo("hello"));
        assertThat(running.getStatus().getInitContainerStatuses()).singleElement()
                .satisfies(s -> assertThat(s.getState().getTerminated().getReason()).isEqualTo("Completed"));

        String clusterIp = clusterIp("hello");
        assertThat(get(clusterIp)).isEqualTo(GREETING);
        await().atMost(DEADLINE).untilAsserted(() -> assertThat(client.pods().inNamespace(NAMESPACE).withName(pod).inContainer("app").getLog(true))
                .contains("listening on 8000"));
        assertThat(client.pods().inNamespace(NAMESPACE).withName(pod).inContainer("app").usingTimestamps().getLog())
                .matches("(?s)\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d{1,9})?Z listening on 8000\n");

        scale("hello", 0);
        await().atMost(DEADLINE).until(() -> client.pods().inNamespace(NAMESPACE).withName(pod).get() == null);
        await().atMost(DEADLINE).until(() -> readyReplicas("hello") == 0);
        assertThatThrownBy(() -> get(clusterIp)).as("a Service with no ready pod refuses connections").isInstanceOf(ConnectException.class);
    }

    @Test
    void aKilledAppContainerIsRestartedAndAnswersAgain() throws Exception {
        String pod = scaleUp("crashy", EXIT_ON_SIGTERM + SERVE_GREETING);
        kubelet.restartApp(pod);
        await().atMost(DEADLINE).until(() -> app(pod(pod)).getRestartCount() == 1 && app(pod(pod)).getReady());
        ContainerStateTerminated last = app(pod(pod)).getLastState().getTerminated();
        assertThat(last.getExitCode()).isEqualTo(137);
        assertThat(last.getReason()).as("exit 137 under a memory limit").isEqualTo("OOMKilled");
        assertThat(app(pod(pod)).getState().getRunning()).isNotNull();
        assertThat(get(clusterIp("crashy"))).isEqualTo(GREETING);
        remove("crashy");
    }

    @Test
    void aPodDeletedWithAGraceOfOneSecondThatIgnoresSigtermIsKilledWithExitCode137() throws Exception {
        String pod = scaleUp("stubborn", "process.on('SIGTERM', () => console.log('ignoring SIGTERM'));" + SERVE_GREETING);
        List<Pod> seen = watch(name(pod), pod);
        long started = System.nanoTime();
        client.pods().inNamespace(NAMESPACE).withName(pod).withGracePeriod(1).delete();
        await().atMost(DEADLINE).until(() -> client.pods().inNamespace(NAMESPACE).withName(pod).get() == null);
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        System.out.printf("stubborn: gone %d ms after its DELETE with a grace of 1 s%n", took.toMillis());
        assertThat(took).isBetween(Duration.ofSeconds(1), Duration.ofSeconds(5));
        assertThat(seen).anySatisfy(p -> assertThat(p.getMetadata().getDeletionGracePeriodSeconds()).isEqualTo(1));
        assertThat(terminated(seen).getExitCode()).isEqualTo(137);
        remove("stubborn");
    }

    @Test
    void aPodThatExitsCleanlyOnSigtermReportsExitCodeZero() throws Exception {
        String pod = scaleUp("polite", EXIT_ON_SIGTERM + SERVE_GREETING);
        List<Pod> seen = watch(name(pod), pod);
        scale("polite", 0);
        client.pods().inNamespace(NAMESPACE).withName(pod).withGracePeriod(10).delete();
        await().atMost(Duration.ofSeconds(5)).until(() -> client.pods().inNamespace(NAMESPACE).withName(pod).get() == null);
        assertThat(terminated(seen).getExitCode()).isEqualTo(0);
        assertThat(terminated(seen).getReason()).isEqualTo("Completed");
        remove("polite");
    }

    @Test
    void closingTheKubeletLeavesNoContainerInTheEngine() throws Exception {
        TestKubelet other = TestKubelet.start(engine, "others");
        try (KubernetesClient otherClient = other.newClient(); DockerClient docker = DockerRuntimes.client(engine)) {
            otherClient.apps().deployments().inNamespace("others").resource(SandboxObjects.deployment("left", node, "00000001", WRITE_GREETING, SERVE_GREETING)).create();
            otherClient.apps().deployments().inNamespace("others").withName("left").patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"replicas\":1}}");
            Map<String, String> label = Map.of(PodContainers.KUBELET_LABEL, other.containerLabel());
            await().atMost(DEADLINE).until(() -> docker.listContainersCmd().withLabelFilter(label).exec().stream()
                    .anyMatch(c -> c.getNames()[0].contains("k8s_app_")));
            other.close();
            assertThat(docker.listContainersCmd().withShowAll(true).withLabelFilter(label).exec()).as("containers left").isEmpty();
        } finally {
            other.close();
        }
    }

    /** Creates the Deployment and Service, scales to 1 as the runtime does (a merge patch); the pod, once ready. */
    private String scaleUp(String name, String appScript) {
        client.apps().deployments().inNamespace(NAMESPACE).resource(SandboxObjects.deployment(name, node, "0000abcd", WRITE_GREETING, appScript)).create();
        client.services().inNamespace(NAMESPACE).resource(SandboxObjects.service(name)).create();
        long started = System.nanoTime();
        scale(name, 1);
        await().atMost(DEADLINE).until(() -> readyReplicas(name) == 1);
        System.out.printf("%s: ready %d ms after the scale-up%n", name, Duration.ofNanos(System.nanoTime() - started).toMillis());
        Pod pod = client.pods().inNamespace(NAMESPACE).withLabel(SandboxObjects.APP, name).list().getItems().getFirst();
        assertThat(pod.getStatus().getPhase()).isEqualTo("Running");
        assertThat(app(pod).getReady()).isTrue();
        return pod.getMetadata().getName();
    }

    private void scale(String name, int replicas) {
        client.apps().deployments().inNamespace(NAMESPACE).withName(name).patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"replicas\":" + replicas + "}}");
    }

    private void remove(String name) {
        client.apps().deployments().inNamespace(NAMESPACE).withName(name).delete();
        client.services().inNamespace(NAMESPACE).withName(name).delete();
        await().atMost(DEADLINE).until(() -> client.pods().inNamespace(NAMESPACE).withLabel(SandboxObjects.APP, name).list().getItems().isEmpty());
    }

    private int readyReplicas(String name) {
        var status = client.apps().deployments().inNamespace(NAMESPACE).withName(name).get().getStatus();
        return status == null || status.getReadyReplicas() == null ? 0 : status.getReadyReplicas();
    }

    private String clusterIp(String name) {
        return await().atMost(DEADLINE).until(() -> client.services().inNamespace(NAMESPACE).withName(name).get().getSpec().getClusterIP(),
                ip -> ip != null && !ip.isEmpty());
    }

    private Pod pod(String name) {
        return client.pods().inNamespace(NAMESPACE).withName(name).get();
    }

    private static ContainerStatus app(Pod pod) {
        return pod.getStatus().getContainerStatuses().stream().filter(s -> s.getName().equals("app")).findFirst().orElseThrow();
    }

    /** Every version of the pod the API shows from now on, as the runtime's informer (by label) sees them. */
    private List<Pod> watch(String app, String pod) {
        List<Pod> seen = new CopyOnWriteArrayList<>();
        informers.add(client.pods().inNamespace(NAMESPACE).withLabel(SandboxObjects.APP, app).inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod p) {
                if (p.getMetadata().getName().equals(pod)) seen.add(p);
            }

            @Override
            public void onUpdate(Pod old, Pod now) {
                if (now.getMetadata().getName().equals(pod)) seen.add(now);
            }

            @Override
            public void onDelete(Pod p, boolean unknown) {
                if (p.getMetadata().getName().equals(pod)) seen.add(p);
            }
        }));
        return seen;
    }

    private static String name(String pod) {
        return pod.substring(0, pod.lastIndexOf('-'));
    }

    private static ContainerStateTerminated terminated(List<Pod> seen) {
        return seen.stream().filter(p -> p.getStatus() != null && !p.getStatus().getContainerStatuses().isEmpty())
                .map(p -> app(p).getState().getTerminated()).filter(java.util.Objects::nonNull).reduce((first, last) -> last)
                .orElseThrow(() -> new AssertionError("no version of the pod showed its app container terminated"));
    }

    private String get(String clusterIp) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + clusterIp + ":80/")).timeout(Duration.ofSeconds(5)).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString()).body();
    }
}
