package io.slipway.runtime.kubernetes;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRuleBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;
import io.slipway.app.Language;
import io.slipway.config.BuildLimits;
import io.slipway.runtime.BuildStep;
import io.slipway.runtime.RemoteBuildFiles;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The objects of one build step that runs in the cluster: a Pod ({@code restartPolicy: Never}) in the image of the
 * step's language, locked down as the apps' pods are (non-root, a read-only root, no capability, {@code RuntimeDefault}
 * seccomp, no service account token, the {@code build.*} limits), whose init container {@value #FETCH_CONTAINER}
 * downloads the step's directories from Slipway into emptyDirs at their own paths and whose container {@value
 * #STEP_CONTAINER} runs the step and uploads its work directory ({@code run-build-step.js} / {@code run_build_step.py});
 * and its NetworkPolicy: no way in, and out only to Slipway's pods on the artifact endpoint's port and the registry
 * proxy's (without a proxy, {@code build.network: host}: the public internet), and the cluster's DNS. Both carry {@value AppObjects#OWNER_LABEL} and {@value #ROLE_LABEL}{@code =build}.
 */
final class BuildPods {
    static final String ROLE_LABEL = "io.slipway.role";
    static final String ROLE = "build";
    static final String STEP_LABEL = "io.slipway.step";
    static final String FETCH_CONTAINER = "fetch";
    static final String STEP_CONTAINER = "step";
    /** Where the step finds Slipway's trusted roots ({@link RemoteBuildFiles.Transfer#trustedRoots}). */
    static final String TRUST_DIR = "/etc/slipway";
    private static final String RUN_JS = AppObjects.resource("run-build-step.js");
    private static final String RUN_PY = AppObjects.resource("run_build_step.py");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What every step's pod shares: the images, this Slipway's label, its pods' labels, the limits. */
    record Settings(String nodeImage, String pythonImage, String owner, Map<String, String> slipwayPods, BuildLimits limits) {
        String image(Language language) {
            return language == Language.NODE ? nodeImage : pythonImage;
        }
    }

    private final Settings settings;

    BuildPods(Settings settings) {
        this.settings = settings;
    }

    /** {@code b-<transfer id>}. */
    static String name(RemoteBuildFiles.Transfer transfer) {
        return "b-" + transfer.id();
    }

    Map<String, String> labels(RemoteBuildFiles.Transfer transfer) {
        return Map.of(AppObjects.OWNER_LABEL, settings.owner(), ROLE_LABEL, ROLE, STEP_LABEL, transfer.id());
    }

    /**
     * @param env          the step's environment in the pod: its own, with the registry proxy's variables
     * @param workDirBytes the most the work directory may hold (its emptyDir's size), the output's bound too
     */
    Pod pod(BuildStep step, RemoteBuildFiles.Transfer transfer, Map<String, String> env, long workDirBytes) {
        String image = settings.image(step.language());
        boolean node = step.language() == Language.NODE;
        List<Volume> volumes = new ArrayList<>();
        List<VolumeMount> fetchMounts = new ArrayList<>();
        List<VolumeMount> stepMounts = new ArrayList<>();
        volumes.add(new VolumeBuilder().withName("work").withNewEmptyDir().withSizeLimit(new Quantity(String.valueOf(workDirBytes))).endEmptyDir().build());
        fetchMounts.add(AppObjects.mount("work", step.workDir().toString(), false));
        stepMounts.add(AppObjects.mount("work", step.workDir().toString(), false));
        for (int i = 0; i < step.readOnly().size(); i++) {
            volumes.add(new VolumeBuilder().withName("ro-" + i).withNewEmptyDir().endEmptyDir().build());
            fetchMounts.add(AppObjects.mount("ro-" + i, step.readOnly().get(i).toString(), false));
            stepMounts.add(AppObjects.mount("ro-" + i, step.readOnly().get(i).toString(), true));
        }
        transfer.trustedRoots().ifPresent(roots -> {
            volumes.add(new VolumeBuilder().withName("trust").withNewEmptyDir().endEmptyDir().build());
            fetchMounts.add(AppObjects.mount("trust", TRUST_DIR, false));
            stepMounts.add(AppObjects.mount("trust", TRUST_DIR, true));
        });
        volumes.add(new VolumeBuilder().withName("tmp").withNewEmptyDir().withMedium("Memory")
                .withSizeLimit(new Quantity(String.valueOf(settings.limits().tmpSize().bytes()))).endEmptyDir().build());
        fetchMounts.add(AppObjects.mount("tmp", "/tmp", false));
        stepMounts.add(AppObjects.mount("tmp", "/tmp", false));
        StringBuilder inputs = new StringBuilder();
        List<URI> urls = transfer.inputs();
        inputs.append(urls.getFirst()).append(' ').append(step.workDir()).append('\n');
        for (int i = 0; i < step.readOnly().size(); i++) inputs.append(urls.get(i + 1)).append(' ').append(step.readOnly().get(i)).append('\n');
        transfer.trustedRoots().ifPresent(roots -> inputs.append(roots).append(' ').append(TRUST_DIR).append('\n'));
        Container fetch = container(FETCH_CONTAINER, image, node ? List.of("node", "-e", AppObjects.FETCH_JS) : List.of("python3", "-c", AppObjects.FETCH_PY),
                Map.of("SLIPWAY_GRANT", transfer.grant(), "SLIPWAY_LAYERS", inputs.toString()), fetchMounts);
        Map<String, String> helper = new LinkedHashMap<>();
        helper.put("SLIPWAY_GRANT", transfer.grant());
        helper.put("SLIPWAY_OUTPUT", transfer.output().toString());
        helper.put("SLIPWAY_WORKDIR", step.workDir().toString());
        helper.put("SLIPWAY_STEP", json(Map.of("command", step.command(), "env", env)));
        Container run = new ContainerBuilder(container(STEP_CONTAINER, image, node ? List.of("node", "-e", RUN_JS) : List.of("python3", "-c", RUN_PY),
                helper, stepMounts)).withWorkingDir(step.workDir().toString()).build();
        long deadline = step.timeout().toSeconds() + 60;
        return new PodBuilder()
                .withNewMetadata().withName(name(transfer)).withLabels(labels(transfer)).endMetadata()
                .withNewSpec()
                .withRestartPolicy("Never").withAutomountServiceAccountToken(false).withEnableServiceLinks(false)
                // A backstop for a Slipway that died mid-step: the cluster ends the pod once the step's time is long past.
                .withActiveDeadlineSeconds(deadline).withTerminationGracePeriodSeconds(0L)
                .withNewSecurityContext().withRunAsNonRoot(true).withRunAsUser(AppObjects.APP_UID).withRunAsGroup(AppObjects.APP_UID)
                .withFsGroup(AppObjects.APP_UID).withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile().endSecurityContext()
                .withInitContainers(fetch).withContainers(run).withVolumes(volumes)
                .endSpec().build();
    }

    private Container container(String name, String image, List<String> command, Map<String, String> env, List<VolumeMount> mounts) {
        Map<String, Quantity> limits = Map.of("memory", new Quantity(String.valueOf(settings.limits().memory().bytes())),
                "cpu", AppObjects.cpu(settings.limits().cpus()));
        return new ContainerBuilder().withName(name).withImage(image).withCommand(command).withEnv(AppObjects.env(env))
                .withVolumeMounts(mounts).withSecurityContext(AppObjects.lockedDown()).withTerminationMessagePolicy("FallbackToLogsOnError")
                .withNewResources().withLimits(limits).withRequests(limits).endResources().build();
    }

    /**
     * No way in; out to Slipway's pods on {@code artifactPort} (the step's files) and {@code proxyPort} (the registries,
     * when builds have a proxy) and to the cluster's DNS.
     */
    NetworkPolicy policy(RemoteBuildFiles.Transfer transfer, int artifactPort, OptionalInt proxyPort) {
        var toSlipway = new NetworkPolicyEgressRuleBuilder()
                .addToTo(new NetworkPolicyPeerBuilder().withNewPodSelector().withMatchLabels(settings.slipwayPods()).endPodSelector().build())
                .addNewPort().withProtocol("TCP").withPort(new IntOrString(artifactPort)).endPort();
        proxyPort.ifPresent(port -> toSlipway.addNewPort().withProtocol("TCP").withPort(new IntOrString(port)).endPort());
        List<io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule> egress = new ArrayList<>(List.of(toSlipway.build(), AppPolicies.dns()));
        // Without a registry proxy (build.network: host), installs reach the registries directly: the public internet.
        if (proxyPort.isEmpty()) egress.add(AppPolicies.publicInternet());
        return new NetworkPolicyBuilder()
                .withNewMetadata().withName(name(transfer)).withLabels(labels(transfer)).endMetadata()
                .withNewSpec()
                .withNewPodSelector().withMatchLabels(Map.of(STEP_LABEL, transfer.id())).endPodSelector()
                .withPolicyTypes("Ingress", "Egress")
                .withEgress(egress)
                .endSpec().build();
    }

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
