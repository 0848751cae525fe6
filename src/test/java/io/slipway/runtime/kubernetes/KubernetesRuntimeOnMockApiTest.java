package io.slipway.runtime.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.slipway.app.Language;
import io.slipway.artifacts.ArtifactTokens;
import io.slipway.artifacts.LayerDownloads;
import io.slipway.config.DataSize;
import io.slipway.runtime.Artifact;
import io.slipway.runtime.Layer;
import io.slipway.runtime.Sandbox;
import io.slipway.runtime.SandboxExit;
import io.slipway.runtime.SandboxLimits;
import io.slipway.runtime.SandboxSpec;
import io.slipway.testing.RecordingLogSink;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The kubernetes runtime against fabric8's Kubernetes <b>mock</b> API server (CRUD mode, with scripted answers beside
 * it): no real API server can run on these machines (DESIGN §9). No kubelet runs here either: the test writes the
 * pods' statuses itself, as a kubelet would report them, and checks what the runtime makes of them; {@code
 * KubernetesSandboxRuntimeContractIT} runs real pods (a test kubelet on podman).
 */
class KubernetesRuntimeOnMockApiTest {
    private static final String NS = "apps";
    private static final String OWNER = "0123456789abcdef";
    private static final byte[] SECRET = "a secret of thirty-two bytes or more, for tests".getBytes();
    private static final Layer CODE = Layer.of(Layer.Kind.CODE, "a".repeat(64));
    private static final Layer DEPS = Layer.of(Layer.Kind.DEPENDENCIES, "b".repeat(64));

    private KubernetesMockServer api;
    private NamespacedKubernetesClient client;
    private KubernetesSandboxRuntime runtime;
    private final ArtifactTokens grants = new ArtifactTokens(SECRET, Clock.systemUTC());

    /** How many of the next watches of pods the mock answers with an error (500, then 410 Gone), as an API server may. */
    private final java.util.concurrent.atomic.AtomicInteger failingPodWatches = new java.util.concurrent.atomic.AtomicInteger();

    @BeforeEach
    void startTheMockApiServer() {
        var responses = new HashMap<io.fabric8.mockwebserver.ServerRequest, java.util.Queue<io.fabric8.mockwebserver.ServerResponse>>();
        KubernetesMixedDispatcher store = new KubernetesMixedDispatcher(responses);
        io.fabric8.mockwebserver.http.Dispatcher scripted = new io.fabric8.mockwebserver.http.Dispatcher() {
            @Override
            public io.fabric8.mockwebserver.http.MockResponse dispatch(io.fabric8.mockwebserver.http.RecordedRequest request) {
                String path = request.getPath();
                if (path.startsWith("/api/v1/namespaces/" + NS + "/pods?") && path.contains("watch=true")) {
                    int left = failingPodWatches.getAndUpdate(n -> Math.max(0, n - 1));
                    if (left > 0) {
                        int code = left % 2 == 0 ? 500 : 410;
                        return new io.fabric8.mockwebserver.http.MockResponse().setResponseCode(code).setBody(
                                "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"code\":" + code + "}");
                    }
                }
                return store.dispatch(request);
            }
        };
        api = new KubernetesMockServer(new Context(), new MockWebServer(), responses, scripted, false);
        api.init();
        client = api.createClient();
        runtime = new KubernetesSandboxRuntime(api.createClient(), NS, OWNER, KubernetesSandboxRuntime.settings("registry.example/slipway:1",
                "registry.example/slipway:1", OWNER, DataSize.ofMebibytes(64).bytes()), Map.of("app.kubernetes.io/name", "slipway"),
                new LayerDownloads(grants, () -> URI.create("http://10.1.2.3:3000")));
        // The mock replays nothing that changed between an informer's list and its watch: statuses wait for the watch.
        await().atMost(Duration.ofSeconds(20)).until(runtime::watching);
    }

    @AfterEach
    void stop() {
        runtime.close();
        client.close();
        api.destroy();
    }

    private static SandboxSpec spec(String appId, io.slipway.runtime.NetworkPolicy network) {
        return new SandboxSpec(appId, new Artifact(Language.NODE, "index.js", CODE, Optional.of(DEPS)), Map.of("GREETING", "hi"),
                new SandboxLimits(DataSize.ofMebibytes(256), 64, 0.5), network, Map.of(SandboxSpec.USER_LABEL, "alice"), new RecordingLogSink());
    }

    private Deployment deployment(String name) {
        return client.apps().deployments().inNamespace(NS).withName(name).get();
    }

    @Test
    void aStartMakesALockedDownDeploymentAtOneReplicaAServiceAndANetworkPolicyLabelledWithTheApp() {
        Sandbox sandbox = runtime.start(spec("hello", io.slipway.runtime.NetworkPolicy.ISOLATED));

        Deployment deployment = deployment("s-hello-a");
        assertThat(deployment.getSpec().getReplicas()).isEqualTo(1);
        assertThat(deployment.getMetadata().getLabels()).containsEntry("io.slipway.app", "hello").containsEntry("io.slipway.owner", OWNER)
                .containsEntry("io.slipway.user", "alice");
        PodSpec pod = deployment.getSpec().getTemplate().getSpec();
        assertThat(pod.getAutomountServiceAccountToken()).as("no service-account token").isFalse();
        assertThat(pod.getEnableServiceLinks()).as("no other service's address in the env").isFalse();
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        var app = pod.getContainers().getFirst();
        assertThat(app.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(app.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(app.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(app.getResources().getLimits().get("memory").getNumericalAmount().longValue()).isEqualTo(256L << 20);
        assertThat(app.getResources().getLimits().get("cpu").toString()).isEqualTo("500m");
        assertThat(app.getCommand()).containsExactly("node", "/app/code/index.js");
        assertThat(app.getEnv()).extracting(EnvVar::getName, EnvVar::getValue).contains(org.assertj.core.groups.Tuple.tuple("PORT", "8000"))
                .extracting(t -> t.toList().get(0)).as("the app's own env is not in the spec").doesNotContain("GREETING");
        assertThat(app.getEnvFrom()).singleElement().satisfies(from -> assertThat(from.getSecretRef().getName()).isEqualTo("s-hello-a"));
        var secret = client.secrets().inNamespace(NS).withName("s-hello-a").get();
        assertThat(secret.getMetadata().getLabels()).containsEntry("io.slipway.app", "hello").containsEntry("io.slipway.owner", OWNER);
        assertThat(secret.getData()).containsExactly(Map.entry("GREETING", java.util.Base64.getEncoder().encodeToString("hi".getBytes())));
        assertThat(app.getReadinessProbe().getTcpSocket().getPort().getIntVal()).isEqualTo(8000);

        var fetch = pod.getInitContainers().getFirst();
        Map<String, String> fetchEnv = new HashMap<>();
        fetch.getEnv().forEach(e -> fetchEnv.put(e.getName(), e.getValue()));
        assertThat(fetchEnv.get("SLIPWAY_LAYERS")).contains("http://10.1.2.3:3000/internal/artifacts/hello/code/" + CODE.digest() + " /app/code")
                .contains("/internal/artifacts/hello/dependencies/" + DEPS.digest() + " /app/node_modules");
        var grant = grants.verify(fetchEnv.get("SLIPWAY_GRANT")).orElseThrow();
        assertThat(grant.allows("hello", CODE.digest())).isTrue();
        assertThat(grant.allows("hello", DEPS.digest())).isTrue();
        assertThat(grant.allows("other", CODE.digest())).as("a grant opens its own app's layers alone").isFalse();
        assertThat(fetch.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();

        Service service = client.services().inNamespace(NS).withName("s-hello-a").get();
        assertThat(service.getSpec().getSelector()).containsEntry("io.slipway.app", "hello").containsEntry("io.slipway.slot", "a");
        assertThat(service.getSpec().getPorts().getFirst().getTargetPort().getIntVal()).isEqualTo(8000);

        NetworkPolicy policy = client.network().v1().networkPolicies().inNamespace(NS).withName("s-hello-a").get();
        assertThat(policy.getSpec().getIngress().getFirst().getFrom().getFirst().getPodSelector().getMatchLabels())
                .containsEntry("app.kubernetes.io/name", "slipway");
        assertThat(policy.getSpec().getEgress()).as("isolated: Slipway's artifact port alone").singleElement()
                .satisfies(rule -> assertThat(rule.getPorts().getFirst().getPort().getIntVal()).isEqualTo(3000));
        assertThat(sandbox.address()).as("no cluster IP yet: refused, so the probe tries again").isEqualTo(new InetSocketAddress("0.0.0.0", 0));
    }

    @Test
    void withTheInternetThePolicyLetsThePublicInternetAndDnsOutButNoPrivateRange() {
        runtime.start(spec("online", io.slipway.runtime.NetworkPolicy.INTERNET));

        var egress = client.network().v1().networkPolicies().inNamespace(NS).withName("s-online-a").get().getSpec().getEgress();
        assertThat(egress).hasSize(3);
        var blocks = egress.get(1).getTo();
        assertThat(blocks.get(0).getIpBlock().getExcept()).contains("10.0.0.0/8", "169.254.0.0/16", "127.0.0.0/8", "100.64.0.0/10");
        assertThat(blocks.get(1).getIpBlock().getExcept()).contains("fe80::/10", "fc00::/7", "::1/128");
    }

    @Test
    void theServicesClusterIpIsWhereTheProxyDialsTheApp() {
        Sandbox sandbox = runtime.start(spec("dial", io.slipway.runtime.NetworkPolicy.ISOLATED));

        client.services().inNamespace(NS).withName("s-dial-a").edit(s -> {
            s.getSpec().setClusterIP("10.96.0.42");
            return s;
        });

        await().atMost(Duration.ofSeconds(10)).until(() -> sandbox.address().equals(new InetSocketAddress("10.96.0.42", 80)));
    }

    /** The kubelet's part, written by the test: a pod of the start, with the app container's status. */
    private Pod report(Sandbox sandbox, UnaryOperator<ContainerStatusBuilder> status) {
        Deployment deployment = deployment(((KubernetesSandbox) sandbox).name());
        Map<String, String> labels = deployment.getSpec().getTemplate().getMetadata().getLabels();
        String name = deployment.getMetadata().getName() + "-pod";
        ContainerStatus app = status.apply(new ContainerStatusBuilder().withName("app").withImage("registry.example/slipway:1")).build();
        Pod pod = new PodBuilder().withNewMetadata().withName(name).withNamespace(NS).withLabels(labels).endMetadata()
                .withSpec(deployment.getSpec().getTemplate().getSpec())
                .withNewStatus().withPhase("Running").withContainerStatuses(app).endStatus().build();
        return client.pods().inNamespace(NS).resource(pod).createOr(io.fabric8.kubernetes.client.dsl.NonDeletingOperation::update);
    }

    private static ContainerStatusBuilder running(ContainerStatusBuilder s, boolean ready, int restarts) {
        return s.withReady(ready).withRestartCount(restarts).withNewState().withNewRunning().withStartedAt("2026-12-02T01:00:00Z").endRunning().endState();
    }

    @Test
    void anAppThatCrashesBeforeItWasEverReadyEndsTheSandboxWithItsExitCodeAndIsScaledToZero() {
        Sandbox sandbox = runtime.start(spec("crash", io.slipway.runtime.NetworkPolicy.ISOLATED));
        report(sandbox, s -> running(s, false, 0));

        report(sandbox, s -> s.withReady(false).withRestartCount(0).withNewState().withNewTerminated().withExitCode(3).withReason("Error")
                .endTerminated().endState());

        await().atMost(Duration.ofSeconds(10)).until(() -> sandbox.exited().isDone());
        assertThat(sandbox.exited().join()).isEqualTo(new SandboxExit(3, false));
        await().atMost(Duration.ofSeconds(10)).until(() -> deployment("s-crash-a").getSpec().getReplicas() == 0);
    }

    @Test
    void aReadyAppThatIsOomKilledAndRestartedByTheKubeletEndsItsSandboxAsOutOfMemorySayingSo() {
        Sandbox sandbox = runtime.start(spec("hog", io.slipway.runtime.NetworkPolicy.ISOLATED));
        report(sandbox, s -> running(s, true, 0));
        await().atMost(Duration.ofSeconds(5)).until(() -> ((KubernetesSandbox) sandbox).pod().isPresent());

        report(sandbox, s -> running(s, false, 1).withNewLastState().withNewTerminated().withExitCode(137).withReason("OOMKilled").endTerminated()
                .endLastState());

        await().atMost(Duration.ofSeconds(10)).until(() -> sandbox.exited().isDone());
        SandboxExit exit = sandbox.exited().join();
        assertThat(exit.outOfMemory()).isTrue();
        assertThat(exit.cause()).hasValueSatisfying(c -> assertThat(c).contains("restarted"));
        await().atMost(Duration.ofSeconds(10)).until(() -> deployment("s-hog-a").getSpec().getReplicas() == 0);
    }

    @Test
    void aCrashLoopAnUnpullableImageAndAFetchThatFailedEachEndTheSandboxSayingWhy() {
        Sandbox loop = runtime.start(spec("loop", io.slipway.runtime.NetworkPolicy.ISOLATED));
        report(loop, s -> s.withReady(false).withRestartCount(4).withNewState().withNewWaiting().withReason("CrashLoopBackOff").endWaiting().endState()
                .withNewLastState().withNewTerminated().withExitCode(1).endTerminated().endLastState());
        Sandbox pull = runtime.start(spec("pull", io.slipway.runtime.NetworkPolicy.ISOLATED));
        report(pull, s -> s.withReady(false).withRestartCount(0).withNewState().withNewWaiting().withReason("ImagePullBackOff")
                .withMessage("Back-off pulling image").endWaiting().endState());

        await().atMost(Duration.ofSeconds(10)).until(() -> loop.exited().isDone() && pull.exited().isDone());
        assertThat(loop.exited().join().exitCode()).isEqualTo(1);
        assertThat(loop.exited().join().cause()).hasValueSatisfying(c -> assertThat(c).contains("CrashLoopBackOff"));
        assertThat(pull.exited().join().cause()).hasValueSatisfying(c -> assertThat(c).contains("ImagePullBackOff", "registry.example/slipway:1"));

        Sandbox fetch = runtime.start(spec("fetch", io.slipway.runtime.NetworkPolicy.ISOLATED));
        Pod pod = report(fetch, s -> s.withReady(false).withRestartCount(0).withNewState().withNewWaiting().withReason("PodInitializing").endWaiting()
                .endState());
        pod.getStatus().setInitContainerStatuses(List.of(new ContainerStatusBuilder().withName("fetch").withRestartCount(1).withNewState()
                .withNewTerminated().withExitCode(1).withReason("Error").withMessage("Slipway answered 403").endTerminated().endState().build()));
        client.pods().inNamespace(NS).resource(pod).update();

        await().atMost(Duration.ofSeconds(10)).until(() -> fetch.exited().isDone());
        assertThat(fetch.exited().join().cause()).hasValueSatisfying(c -> assertThat(c).contains("could not fetch", "Slipway answered 403"));
    }

    @Test
    void stopScalesToZeroDeletesThePodAndReturnsTheExitThePodReported() throws Exception {
        Sandbox sandbox = runtime.start(spec("stop", io.slipway.runtime.NetworkPolicy.ISOLATED));
        report(sandbox, s -> running(s, true, 0));
        await().atMost(Duration.ofSeconds(5)).until(() -> ((KubernetesSandbox) sandbox).pod().isPresent());
        // The pod keeps the kubelet's finalizer until the kubelet has reported its end, as a real kubelet's pod stays until then.
        client.pods().inNamespace(NS).withName("s-stop-a-pod").edit(p -> {
            p.getMetadata().setFinalizers(List.of("slipway.test/kubelet"));
            return p;
        });

        CompletableFuture<SandboxExit> stopped = CompletableFuture.supplyAsync(() -> sandbox.stop(Duration.ofSeconds(3)));
        await().atMost(Duration.ofSeconds(10)).until(() -> client.pods().inNamespace(NS).withName("s-stop-a-pod").get().getMetadata()
                .getDeletionTimestamp() != null);
        assertThat(deployment("s-stop-a").getSpec().getReplicas()).isZero();
        report(sandbox, s -> s.withReady(false).withRestartCount(0).withNewState().withNewTerminated().withExitCode(0).withReason("Completed")
                .endTerminated().endState());

        assertThat(stopped.get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(new SandboxExit(0, false));
        assertThat(sandbox.stop(Duration.ofSeconds(3))).as("a second stop: at once, the same").isEqualTo(new SandboxExit(0, false));
    }

    @Test
    void aSecondSandboxOfAnAppTakesTheOtherSlotAndForgetDeletesBoth() {
        runtime.start(spec("twice", io.slipway.runtime.NetworkPolicy.ISOLATED));
        runtime.start(spec("twice", io.slipway.runtime.NetworkPolicy.ISOLATED));

        assertThat(deployment("s-twice-a")).isNotNull();
        assertThat(deployment("s-twice-b")).isNotNull();
        runtime.forget("twice");
        assertThat(deployment("s-twice-a")).isNull();
        assertThat(client.services().inNamespace(NS).withName("s-twice-b").get()).isNull();
        assertThat(client.secrets().inNamespace(NS).withName("s-twice-a").get()).as("nor its env").isNull();
        assertThat(client.secrets().inNamespace(NS).withName("s-twice-b").get()).isNull();
    }

    @Test
    void aRestartedSlipwayKeepsTheDeploymentsOfStoredAppsScaledToZeroAndDeletesTheRest() {
        runtime.start(spec("kept", io.slipway.runtime.NetworkPolicy.ISOLATED));
        runtime.start(spec("gone", io.slipway.runtime.NetworkPolicy.ISOLATED));

        var leftovers = runtime.adoptOrReap(java.util.Set.of("kept"));

        assertThat(leftovers.reaped()).as("both pods stopped").isEqualTo(2);
        assertThat(deployment("s-kept-a").getSpec().getReplicas()).as("adopted, asleep").isZero();
        assertThat(deployment("s-gone-a")).isNull();
        assertThat(client.services().inNamespace(NS).withName("s-gone-a").get()).isNull();
        assertThat(client.secrets().inNamespace(NS).withName("s-gone-a").get()).isNull();
        assertThat(client.secrets().inNamespace(NS).withName("s-kept-a").get()).as("kept for its next start").isNotNull();
    }

    @Test
    void conflictsAndTooManyRequestsAndServerErrorsFromTheApiAreRetriedOrResolved() {
        // The Deployment exists already (another replica made it): the create's 409 turns into an update.
        client.apps().deployments().inNamespace(NS).resource(new io.fabric8.kubernetes.api.model.apps.DeploymentBuilder().withNewMetadata()
                .withName("s-busy-a").endMetadata().withNewSpec().withReplicas(0).endSpec().build()).create();
        api.expect().post().withPath("/apis/apps/v1/namespaces/" + NS + "/deployments").andReturn(409,
                "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":\"AlreadyExists\",\"code\":409}").once();
        api.expect().post().withPath("/api/v1/namespaces/" + NS + "/services").andReturn(429, "{}").once();
        api.expect().post().withPath("/apis/networking.k8s.io/v1/namespaces/" + NS + "/networkpolicies").andReturn(500, "{}").once();

        runtime.start(spec("busy", io.slipway.runtime.NetworkPolicy.ISOLATED));

        assertThat(deployment("s-busy-a").getSpec().getReplicas()).isEqualTo(1);
        assertThat(client.services().inNamespace(NS).withName("s-busy-a").get()).isNotNull();
        assertThat(client.network().v1().networkPolicies().inNamespace(NS).withName("s-busy-a").get()).isNotNull();
    }

    @Test
    void thePreflightPassesWhileTheApiAnswersAndSaysWhatIsWrongWhenItRefuses() {
        assertThat(runtime.check().ok()).isTrue();

        api.expect().get().withPath("/apis/apps/v1/namespaces/" + NS + "/deployments?labelSelector=io.slipway.owner%3D" + OWNER)
                .andReturn(403, "{\"kind\":\"Status\",\"code\":403,\"message\":\"deployments is forbidden\"}").always();

        assertThat(runtime.check().problems()).singleElement().satisfies(p -> assertThat(p).contains("403", "Role"));
    }

    /**
     * The API refuses the pod watches of a runtime starting now, first with 500 and then with 410 Gone: its informer lists
     * and watches again, and a pod's status still reaches its sandbox.
     */
    @Test
    void podWatchesThatFailAreMadeAgainAndThePodsStatusStillReachesItsSandbox() {
        failingPodWatches.set(2);
        try (KubernetesSandboxRuntime second = new KubernetesSandboxRuntime(api.createClient(), NS, "fedcba9876543210",
                KubernetesSandboxRuntime.settings("registry.example/slipway:1", "registry.example/slipway:1", "fedcba9876543210",
                        DataSize.ofMebibytes(64).bytes()), Map.of("app.kubernetes.io/name", "slipway"),
                new LayerDownloads(grants, () -> URI.create("http://10.1.2.3:3000")))) {
            Sandbox sandbox = second.start(spec("rewatched", io.slipway.runtime.NetworkPolicy.ISOLATED));
            await().atMost(Duration.ofSeconds(20)).until(() -> failingPodWatches.get() == 0);
            await().atMost(Duration.ofSeconds(30)).until(second::watching);

            report(sandbox, s -> s.withReady(false).withRestartCount(0).withNewState().withNewTerminated().withExitCode(5).withReason("Error")
                    .endTerminated().endState());

            await().atMost(Duration.ofSeconds(20)).until(() -> sandbox.exited().isDone());
            assertThat(sandbox.exited().join()).isEqualTo(new SandboxExit(5, false));
        }
    }
}
