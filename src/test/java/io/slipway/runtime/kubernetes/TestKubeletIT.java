package io.slipway.runtime.kubernetes;

import static io.slipway.runtime.kubernetes.SandboxCalls.DEADLINE;
import static io.slipway.runtime.kubernetes.SandboxCalls.app;
import static io.slipway.runtime.kubernetes.SandboxCalls.terminated;
import static io.slipway.runtime.kubernetes.SandboxCalls.versionsOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.DockerClient;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.slipway.app.Language;
import io.slipway.runtime.docker.DockerRuntimes;
import io.slipway.runtime.docker.HostBuiltImages;
import io.slipway.testing.PodmanEngine;
import io.slipway.testing.PodmanExtension;
import com.sun.net.httpserver.HttpServer;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
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

    private static PodmanEngine engine;
    private static String node;
    private static TestKubelet kubelet;
    private static KubernetesClient client;
    private SandboxCalls sandboxes;

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

    @BeforeEach
    void calls() {
        sandboxes = new SandboxCalls(client, NAMESPACE);
    }

    @AfterEach
    void stopWatching() {
        sandboxes.close();
    }

    private static Deployment sandbox(String name, String appScript) {
        return SandboxObjects.deployment(name, node, "0000abcd", WRITE_GREETING, appScript);
    }

    /**
     * The init container fetches the greeting from the host's loopback, as the runtime's {@code fetch} downloads the
     * layers from Slipway.
     */
    @Test
    void aDeploymentScaledToOneRunsItsPodReadyBehindItsServiceUntilScaledToZero() throws Exception {
        HttpServer layers = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        layers.createContext("/greeting", exchange -> {
            byte[] body = GREETING.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        layers.start();
        String download = "fetch('http://127.0.0.1:" + layers.getAddress().getPort() + "/greeting').then(r => r.text())"
                + ".then(t => require('fs').writeFileSync('/work/greeting', t)).catch(e => { console.error(e); process.exit(1); })";
        String pod;
        try {
            pod = sandboxes.scaleUp(SandboxObjects.deployment("hello", node, "0000abcd", download, EXIT_ON_SIGTERM + SERVE_GREETING));
        } finally {
            layers.stop(0);
        }
        Deployment deployment = client.apps().deployments().inNamespace(NAMESPACE).withName("hello").get();
        assertThat(deployment.getStatus().getReplicas()).isEqualTo(1);
        assertThat(deployment.getStatus().getAvailableReplicas()).isEqualTo(1);
        assertThat(deployment.getStatus().getObservedGeneration()).isEqualTo(deployment.getMetadata().getGeneration());
        Pod running = sandboxes.pod(pod);
        assertThat(running.getMetadata().getLabels()).containsAllEntriesOf(SandboxObjects.labels("hello"));
        assertThat(running.getMetadata().getOwnerReferences()).singleElement().satisfies(o -> assertThat(o.getName()).isEqualTo("hello"));
        assertThat(running.getStatus().getConditions()).filteredOn(c -> c.getStatus().equals("True")).extracting(c -> c.getType())
                .containsExactlyInAnyOrder("PodScheduled", "Initialized", "ContainersReady", "Ready");
        assertThat(running.getStatus().getInitContainerStatuses()).singleElement()
                .satisfies(s -> assertThat(s.getState().getTerminated().getReason()).isEqualTo("Completed"));
        assertThat(app(running).getState().getRunning().getStartedAt()).isNotBlank();

        String clusterIp = sandboxes.clusterIp("hello");
        assertThat(sandboxes.get(clusterIp + ":80", "/")).isEqualTo(GREETING);
        assertThat(sandboxes.get(running.getStatus().getPodIP() + ":8000", "/")).as("podIP:containerPort").isEqualTo(GREETING);
        await().atMost(DEADLINE).untilAsserted(() -> assertThat(client.pods().inNamespace(NAMESPACE).withName(pod).inContainer("app").getLog(true))
                .isEqualTo("listening on 8000\n"));

        sandboxes.scale("hello", 0);
        await().atMost(DEADLINE).until(() -> sandboxes.gone(pod));
        await().atMost(DEADLINE).until(() -> sandboxes.readyReplicas("hello") == 0);
        await().atMost(DEADLINE).untilAsserted(() -> assertThatThrownBy(() -> sandboxes.get(clusterIp + ":80", "/"))
                .as("a Service with no ready pod refuses connections").isInstanceOf(ConnectException.class));
        sandboxes.remove("hello");
    }

    @Test
    void aKilledAppContainerIsRestartedAndItsLogsAreServedAsTheKubeletServesThem() throws Exception {
        String pod = sandboxes.scaleUp(sandbox("crashy", EXIT_ON_SIGTERM + SERVE_GREETING));
        String line = await().atMost(DEADLINE).until(() -> log(pod, "container=app&follow=true&timestamps=true"), l -> !l.isEmpty());
        assertThat(line).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d{0,8}[1-9])?Z listening on 8000\n");
        Instant printed = Instant.parse(line.substring(0, line.indexOf(' ')));
        assertThat(log(pod, "container=app&timestamps=true&sinceTime=" + encode(printed))).isEqualTo(line);
        assertThat(log(pod, "container=app&timestamps=true&sinceTime=" + encode(printed.plusSeconds(1)))).isEmpty();

        kubelet.restartApp(pod);
        await().atMost(DEADLINE).until(() -> app(sandboxes.pod(pod)).getRestartCount() == 1 && app(sandboxes.pod(pod)).getReady());
        ContainerStatus app = app(sandboxes.pod(pod));
        assertThat(app.getLastState().getTerminated().getExitCode()).isEqualTo(137);
        assertThat(app.getLastState().getTerminated().getReason()).as("exit 137 under a memory limit").isEqualTo("OOMKilled");
        assertThat(app.getState().getRunning()).isNotNull();
        assertThat(sandboxes.get(sandboxes.clusterIp("crashy") + ":80", "/")).isEqualTo(GREETING);
        assertThat(log(pod, "container=app&previous=true")).isEqualTo("listening on 8000\n");
        await().atMost(DEADLINE).until(() -> log(pod, "container=app"), "listening on 8000\n"::equals);
        sandboxes.remove("crashy");
    }

    @Test
    void aPodStoppedAsTheRuntimeStopsOneThatIgnoresSigtermIsKilledAfterItsGraceWithExitCode137() throws Exception {
        String pod = sandboxes.scaleUp(sandbox("stubborn", "process.on('SIGTERM', () => console.log('ignoring SIGTERM'));" + SERVE_GREETING));
        List<SandboxCalls.Seen> seen = sandboxes.watch("stubborn");
        long started = System.nanoTime();
        sandboxes.scale("stubborn", 0);
        sandboxes.deletePod(pod, 1);
        await().atMost(DEADLINE).until(() -> sandboxes.gone(pod));
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        System.out.printf("stubborn: gone %d ms after replicas 0 and a DELETE with a grace of 1 s (the template's: 5 s)%n", took.toMillis());
        assertThat(took).isBetween(Duration.ofSeconds(1), Duration.ofSeconds(5));
        assertThat(versionsOf(seen, pod)).anySatisfy(p -> assertThat(p.getMetadata().getDeletionGracePeriodSeconds()).isEqualTo(1));
        ContainerStateTerminated end = terminated(seen, pod);
        assertThat(end.getExitCode()).isEqualTo(137);
        assertThat(end.getReason()).as("killed by the kubelet, not by the OOM killer").isEqualTo("Error");
        assertThat(log(pod, "container=app")).contains("pods \\\"" + pod + "\\\" not found");
        sandboxes.remove("stubborn");
    }

    @Test
    void aPodThatExitsCleanlyOnSigtermReportsExitCodeZero() {
        String pod = sandboxes.scaleUp(sandbox("polite", EXIT_ON_SIGTERM + SERVE_GREETING));
        List<SandboxCalls.Seen> seen = sandboxes.watch("polite");
        sandboxes.scale("polite", 0);
        sandboxes.deletePod(pod, 10);
        await().atMost(Duration.ofSeconds(5)).until(() -> sandboxes.gone(pod));
        assertThat(terminated(seen, pod).getExitCode()).isEqualTo(0);
        assertThat(terminated(seen, pod).getReason()).isEqualTo("Completed");
        assertThat(versionsOf(seen, pod).getLast().getStatus().getPhase()).isEqualTo("Succeeded");
        sandboxes.remove("polite");
    }

    @Test
    void aFailingInitContainerShowsItsExitAndIsRetriedWithBackOffUntilItSucceeds() throws Exception {
        String failTwice = """
                const fs = require('fs');
                const tries = fs.existsSync('/work/tries') ? +fs.readFileSync('/work/tries', 'utf8') + 1 : 1;
                fs.writeFileSync('/work/tries', String(tries));
                if (tries < 3) { console.error('no layers yet'); process.exit(3); }
                fs.writeFileSync('/work/greeting', 'fetched at try ' + tries);
                """;
        List<SandboxCalls.Seen> seen = sandboxes.watch("fetchy");
        String pod = sandboxes.scaleUp(SandboxObjects.deployment("fetchy", node, "0000abcd", failTwice, EXIT_ON_SIGTERM + SERVE_GREETING));
        assertThat(sandboxes.get(sandboxes.clusterIp("fetchy") + ":80", "/")).isEqualTo("fetched at try 3");
        ContainerStatus fetch = sandboxes.pod(pod).getStatus().getInitContainerStatuses().getFirst();
        assertThat(fetch.getRestartCount()).isEqualTo(2);
        assertThat(fetch.getLastState().getTerminated().getExitCode()).isEqualTo(3);
        List<ContainerStatus> fetches = versionsOf(seen, pod).stream().filter(p -> p.getStatus() != null && !p.getStatus().getInitContainerStatuses().isEmpty())
                .map(p -> p.getStatus().getInitContainerStatuses().getFirst()).toList();
        assertThat(fetches).extracting(s -> s.getState().getTerminated()).filteredOn(Objects::nonNull)
                .anySatisfy(t -> assertThat(t.getExitCode()).isEqualTo(3)).anySatisfy(t -> assertThat(t.getReason()).isEqualTo("Error"));
        assertThat(fetches).extracting(s -> s.getState().getWaiting()).filteredOn(Objects::nonNull)
                .anySatisfy(w -> assertThat(w.getReason()).isEqualTo("CrashLoopBackOff"));
        assertThat(versionsOf(seen, pod)).filteredOn(p -> p.getStatus() != null && "Running".equals(p.getStatus().getPhase())).isNotEmpty();
        sandboxes.remove("fetchy");
    }

    @Test
    void aNewTemplateReplacesThePodOnlyOnceTheOldOneIsGone() throws Exception {
        String old = sandboxes.scaleUp(sandbox("recreated", EXIT_ON_SIGTERM + SERVE_GREETING));
        List<SandboxCalls.Seen> seen = sandboxes.watch("recreated");
        sandboxes.patch("recreated", "{\"spec\":{\"template\":{\"metadata\":{\"labels\":{\"" + SandboxObjects.START + "\":\"0000beef\"}}}}}");
        await().atMost(DEADLINE).until(() -> sandboxes.gone(old));
        Pod replacement = await().atMost(DEADLINE).until(() -> client.pods().inNamespace(NAMESPACE).withLabel(SandboxObjects.START, "0000beef")
                .list().getItems().stream().filter(DeploymentController::ready).findFirst().orElse(null), Objects::nonNull);
        int oldDeleted = seen.indexOf(seen.stream().filter(s -> s.event().equals("DELETED") && s.pod().getMetadata().getName().equals(old)).findFirst().orElseThrow());
        int newAdded = seen.indexOf(seen.stream().filter(s -> s.pod().getMetadata().getName().equals(replacement.getMetadata().getName())).findFirst().orElseThrow());
        assertThat(newAdded).as("Recreate: the new pod comes after the old one is gone").isGreaterThan(oldDeleted);
        await().atMost(DEADLINE).until(() -> sandboxes.readyReplicas("recreated") == 1);
        assertThat(sandboxes.get(sandboxes.clusterIp("recreated") + ":80", "/")).isEqualTo(GREETING);
        sandboxes.remove("recreated");
    }

    @Test
    void aPythonAppRunsInTheHostBuiltPythonImage() throws Exception {
        String serve = """
                import http.server, os
                class Greeting(http.server.BaseHTTPRequestHandler):
                    def do_GET(self):
                        self.send_response(200)
                        self.end_headers()
                        self.wfile.write(open('/work/greeting', 'rb').read())
                print('listening', flush=True)
                http.server.HTTPServer(('', int(os.environ['PORT'])), Greeting).serve_forever()
                """;
        String python = HostBuiltImages.of(engine, Language.PYTHON);
        String pod = sandboxes.scaleUp(SandboxObjects.withApp(sandbox("snake", SERVE_GREETING), python,
                List.of(HostBuiltImages.program(engine, Language.PYTHON), "-c", serve)));
        assertThat(sandboxes.get(sandboxes.clusterIp("snake") + ":80", "/")).isEqualTo(GREETING);
        assertThat(log(pod, "container=app")).as("stdout, then the access log on stderr").startsWith("listening\n").contains("\"GET / HTTP/1.1\" 200");
        sandboxes.remove("snake");
    }

    @Test
    void closingTheKubeletLeavesNoContainerInTheEngine() throws Exception {
        TestKubelet other = TestKubelet.start(engine, "others");
        try (KubernetesClient otherClient = other.newClient(); DockerClient docker = DockerRuntimes.client(engine)) {
            otherClient.apps().deployments().inNamespace("others").resource(SandboxObjects.deployment("left", node, "00000001", WRITE_GREETING, SERVE_GREETING)).create();
            new SandboxCalls(otherClient, "others").scale("left", 1);
            Map<String, String> label = Map.of(PodContainers.KUBELET_LABEL, other.containerLabel());
            await().atMost(DEADLINE).until(() -> docker.listContainersCmd().withLabelFilter(label).exec().stream()
                    .anyMatch(c -> c.getNames()[0].contains("k8s_app_")));
            other.close();
            assertThat(docker.listContainersCmd().withShowAll(true).withLabelFilter(label).exec()).as("containers left").isEmpty();
        } finally {
            other.close();
        }
    }

    /** {@code GET …/pods/<pod>/log?<query>} on the mock API server, as the runtime sends it: the body. */
    private String log(String pod, String query) throws Exception {
        String path = "/api/v1/namespaces/" + NAMESPACE + "/pods/" + pod + "/log?" + query;
        var connection = (HttpURLConnection) URI.create(kubelet.apiServer().url(path)).toURL().openConnection();
        connection.setReadTimeout(5000);
        try (var body = connection.getResponseCode() < 400 ? connection.getInputStream() : connection.getErrorStream()) {
            return new String(body.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String encode(Instant time) {
        return URLEncoder.encode(PodLogEndpoint.rfc3339Nano(time), StandardCharsets.UTF_8);
    }
}
