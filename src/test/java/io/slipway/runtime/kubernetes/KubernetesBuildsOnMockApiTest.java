package io.slipway.runtime.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.slipway.app.Language;
import io.slipway.artifacts.ArtifactTokens;
import io.slipway.artifacts.BuildTransfers;
import io.slipway.config.BuildLimits;
import io.slipway.config.DataSize;
import io.slipway.runtime.BuildStep;
import io.slipway.runtime.BuildStepFailedException;
import io.slipway.testing.RecordingLogSink;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The build pods of the kubernetes runtime against fabric8's Kubernetes <b>mock</b> API server (CRUD mode), with no
 * kubelet: the test writes the pod's status as a kubelet would and checks what the step makes of it, and what the pod
 * and its NetworkPolicy hold. {@code KubernetesBuildsIT} runs real build pods (a test kubelet on podman).
 */
class KubernetesBuildsOnMockApiTest {
    private static final String NS = "builds";
    private static final String OWNER = "0123456789abcdef";
    private static final String IMAGE = "registry.example/node:20";
    private static final Map<String, String> SLIPWAY_PODS = Map.of("app.kubernetes.io/name", "slipway");
    private static final BuildLimits LIMITS = new BuildLimits(DataSize.ofMebibytes(512), 1.5, 256, DataSize.ofMebibytes(64), 4, 2, 10,
            Duration.ofHours(1));

    @TempDir
    Path dir;
    private KubernetesMockServer api;
    private NamespacedKubernetesClient client;
    private KubernetesBuilds builds;
    private io.fabric8.kubernetes.client.informers.SharedIndexInformer<Pod> pods;
    private final RecordingLogSink log = new RecordingLogSink();

    @BeforeEach
    void start() {
        api = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
        api.init();
        client = api.createClient();
        BuildTransfers files = new BuildTransfers(new ArtifactTokens("a secret of the test".getBytes(), Clock.systemUTC()),
                () -> URI.create("http://10.1.2.3:3000"), Optional.empty());
        pods = client.pods().inNamespace(NS).withLabel(AppObjects.OWNER_LABEL, OWNER).inform();
        builds = new KubernetesBuilds(api.createClient(), NS, KubernetesBuilds.settings(IMAGE, "registry.example/python:3.11", OWNER, SLIPWAY_PODS,
                LIMITS), files, null, new io.slipway.runtime.process.HostBuilds(OWNER, io.slipway.sandbox.HostTools.find(), dir.resolve("npm-cache")),
                1L << 30, pods);
        // The mock replays nothing that changed between an informer's list and its watch: statuses wait for the watch.
        await().atMost(Duration.ofSeconds(20)).until(builds::watching);
    }

    @AfterEach
    void stop() {
        pods.close();
        client.close();
        api.destroy();
    }

    private BuildStep step(Duration timeout) throws Exception {
        Path work = Files.createDirectories(dir.resolve("work"));
        Path wheels = Files.createDirectories(dir.resolve("wheels"));
        return new BuildStep("npm install express", Language.NODE, List.of("npm", "install", "express"), work, Map.of("HOME", "/tmp"),
                List.of(wheels), false, log, timeout);
    }

    private CompletableFuture<Void> running(BuildStep step) {
        return CompletableFuture.runAsync(() -> builds.run(step), command -> Thread.ofVirtual().start(command));
    }

    private Pod awaitPod() {
        return await().atMost(Duration.ofSeconds(10)).until(() -> client.pods().inNamespace(NS).list().getItems(), pods -> pods.size() == 1).getFirst();
    }

    @Test
    void aStepsPodIsLockedDownLabelledAndMayReachOnlySlipway() throws Exception {
        BuildStep step = step(Duration.ofMinutes(1));
        CompletableFuture<Void> run = running(step);
        Pod pod = awaitPod();

        assertThat(pod.getMetadata().getLabels()).containsEntry(AppObjects.OWNER_LABEL, OWNER).containsEntry(BuildPods.ROLE_LABEL, BuildPods.ROLE);
        var spec = pod.getSpec();
        assertThat(spec.getRestartPolicy()).isEqualTo("Never");
        assertThat(spec.getAutomountServiceAccountToken()).isFalse();
        assertThat(spec.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(spec.getSecurityContext().getRunAsUser()).isNotZero();
        assertThat(spec.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        Container container = spec.getContainers().getFirst();
        for (Container c : List.of(container, spec.getInitContainers().getFirst())) {
            assertThat(c.getImage()).isEqualTo(IMAGE);
            assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
            assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
            assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
            assertThat(c.getResources().getLimits()).containsKeys("memory", "cpu");
            assertThat(c.getResources().getLimits().get("memory").toString()).isEqualTo(String.valueOf(512L << 20));
        }
        assertThat(container.getWorkingDir()).as("the work directory keeps its path").isEqualTo(step.workDir().toString());
        assertThat(container.getVolumeMounts()).extracting(VolumeMount::getMountPath, VolumeMount::getReadOnly).containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple(step.workDir().toString(), false), org.assertj.core.groups.Tuple.tuple(step.readOnly().getFirst().toString(), true),
                org.assertj.core.groups.Tuple.tuple("/tmp", false));
        assertThat(container.getEnv()).extracting(EnvVar::getName).containsExactlyInAnyOrder("SLIPWAY_GRANT", "SLIPWAY_OUTPUT", "SLIPWAY_WORKDIR", "SLIPWAY_STEP");
        assertThat(container.getEnv()).filteredOn(e -> e.getName().equals("SLIPWAY_STEP")).singleElement()
                .satisfies(e -> assertThat(e.getValue()).contains("\"HOME\":\"/tmp\"", "\"npm\",\"install\",\"express\""));

        NetworkPolicy policy = client.network().v1().networkPolicies().inNamespace(NS).withName(pod.getMetadata().getName()).get();
        assertThat(policy.getSpec().getPolicyTypes()).containsExactlyInAnyOrder("Ingress", "Egress");
        assertThat(policy.getSpec().getIngress()).as("nothing may reach a build pod").isEmpty();
        assertThat(policy.getSpec().getPodSelector().getMatchLabels()).containsEntry(BuildPods.STEP_LABEL, pod.getMetadata().getLabels().get(BuildPods.STEP_LABEL));
        NetworkPolicyEgressRule toSlipway = policy.getSpec().getEgress().getFirst();
        assertThat(toSlipway.getTo()).singleElement().satisfies(peer -> assertThat(peer.getPodSelector().getMatchLabels()).isEqualTo(SLIPWAY_PODS));
        assertThat(toSlipway.getPorts()).extracting(p -> p.getPort().getIntVal()).contains(3000);

        report(pod, 0, "Completed");
        assertThatThrownBy(run::join).hasCauseInstanceOf(BuildStepFailedException.class).hasMessageContaining("exited 0 but its output did not reach Slipway");
        assertThat(client.pods().inNamespace(NS).list().getItems()).as("the pod is deleted after its step").isEmpty();
        assertThat(client.network().v1().networkPolicies().inNamespace(NS).list().getItems()).isEmpty();
    }

    @Test
    void anOomKilledStepSaysItRanOutOfBuildMemory() throws Exception {
        CompletableFuture<Void> run = running(step(Duration.ofMinutes(1)));

        report(awaitPod(), 137, "OOMKilled");

        assertThatThrownBy(run::join).hasCauseInstanceOf(BuildStepFailedException.class)
                .hasMessageContaining("npm install express was killed (exit code 137); it ran out of memory (build.memory)");
        assertThat(log.tail(1 << 16)).contains("ran out of memory (build.memory)");
    }

    @Test
    void aStepThatOutlivesItsTimeoutHasItsPodDeletedAndFailsSayingSo() throws Exception {
        CompletableFuture<Void> run = running(step(Duration.ofSeconds(2)));
        Pod pod = awaitPod();
        status(pod, new ContainerStateBuilder().withNewRunning().withStartedAt("2026-12-02T06:00:00Z").endRunning().build());

        assertThatThrownBy(run::join).hasCauseInstanceOf(BuildStepFailedException.class).hasMessageContaining("npm install express timed out after 2s");
        assertThat(client.pods().inNamespace(NS).list().getItems()).isEmpty();
    }

    @Test
    void stopAllDeletesThisSlipwaysLeftoverBuildPodsOnly() {
        for (String owner : List.of(OWNER, "another-slipway")) {
            client.pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName("b-" + owner).withLabels(Map.of(AppObjects.OWNER_LABEL,
                    owner, BuildPods.ROLE_LABEL, BuildPods.ROLE)).endMetadata().withNewSpec().addNewContainer().withName("step").withImage(IMAGE)
                    .endContainer().endSpec().build()).create();
        }

        assertThat(builds.stopAll("left by an earlier run")).isEqualTo(1);
        assertThat(client.pods().inNamespace(NS).list().getItems()).extracting(p -> p.getMetadata().getName()).containsExactly("b-another-slipway");
    }

    private void report(Pod pod, int exitCode, String reason) {
        status(pod, new ContainerStateBuilder().withNewTerminated().withExitCode(exitCode).withReason(reason).endTerminated().build());
    }

    private void status(Pod pod, io.fabric8.kubernetes.api.model.ContainerState state) {
        Pod update = new PodBuilder(pod).withNewStatus().withPhase("Running")
                .withContainerStatuses(new ContainerStatusBuilder().withName(BuildPods.STEP_CONTAINER).withImage(IMAGE).withState(state).build())
                .endStatus().build();
        client.pods().inNamespace(NS).resource(update).updateStatus();
    }
}
