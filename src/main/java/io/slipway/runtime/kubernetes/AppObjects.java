package io.slipway.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvFromSourceBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.slipway.app.Language;
import io.slipway.runtime.Artifact;
import io.slipway.runtime.RemoteLayers;
import io.slipway.runtime.SandboxSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The Kubernetes objects of one sandbox, as plain values: its Deployment (a pod template that fetches the artifact's
 * layers in an init container and runs the app locked down), its Service, and the Secret that holds the app's env
 * (whose values are secrets at rest: never in the Deployment's spec, which far more can read). Knows nothing of the API
 * server.
 *
 * <p>A sandbox is one of an app's two <em>slots</em>, {@code a} and {@code b}: an app has one sandbox at a time but
 * for a redeploy's moment, when the new version starts beside the one serving; each slot has its own Deployment and
 * Service and Secret, named {@link #name}. Every object carries {@value SandboxSpec#APP_LABEL}, {@value #SLOT_LABEL} and
 * {@value #OWNER_LABEL}; the pod template also {@value #START_LABEL}, new at every start, by which a sandbox tells its
 * own pod from one its slot ran before.
 */
final class AppObjects {
    static final String SLOT_LABEL = "io.slipway.slot";
    /** The Slipway (by its data dir's label) that last started the slot, whose restart adopts or reaps it. */
    static final String OWNER_LABEL = "io.slipway.owner";
    static final String START_LABEL = "io.slipway.start";
    /** The app's container in its pod, whose state is the sandbox's. */
    static final String APP_CONTAINER = "app";
    static final String FETCH_CONTAINER = "fetch";
    /** Where the app listens inside its pod ({@code PORT}), and the Service's port in front of it. */
    static final int APP_PORT = 8000;
    static final int SERVICE_PORT = 80;
    /** The unprivileged uid and gid apps run as; any non-root id does, as pods share no host user. */
    static final long APP_UID = 65532;
    /** What a pod is given to stop when Slipway scales its Deployment down without deleting it first. */
    static final long TEMPLATE_GRACE_SECONDS = 10;
    private static final Pattern LABEL_VALUE = Pattern.compile("(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?");
    static final String FETCH_JS = resource("fetch-layers.js");
    static final String FETCH_PY = resource("fetch_layers.py");

    /** What every sandbox's objects share: the images, the owner, the size of {@code /tmp}. */
    record Settings(String nodeImage, String pythonImage, String owner, long tmpBytes) {
        String image(Language language) {
            return language == Language.NODE ? nodeImage : pythonImage;
        }
    }

    private final Settings settings;

    AppObjects(Settings settings) {
        this.settings = settings;
    }

    /**
     * {@code s-<appId>-<slot>}: a DNS-1035 label, as Services need. An app id that would not fit is cut, and a digest of
     * the whole id keeps it apart from others cut alike.
     */
    static String name(String appId, char slot) {
        String name = "s-" + appId + "-" + slot;
        if (name.length() <= 63) return name;
        return "s-" + appId.substring(0, 48) + "-" + sha256(appId).substring(0, 8) + "-" + slot;
    }

    /** The labels that pick one slot's pods. */
    static Map<String, String> selector(String appId, char slot) {
        return Map.of(SandboxSpec.APP_LABEL, appId, SLOT_LABEL, String.valueOf(slot));
    }

    /** The spec's labels that Kubernetes takes as labels (valid values), with the slot's and the owner's. */
    Map<String, String> labels(SandboxSpec spec, char slot) {
        Map<String, String> labels = new LinkedHashMap<>();
        spec.labels().forEach((key, value) -> {
            if (value.length() <= 63 && LABEL_VALUE.matcher(value).matches()) labels.put(key, value);
        });
        labels.putAll(selector(spec.appId(), slot));
        labels.put(OWNER_LABEL, settings.owner());
        return labels;
    }

    /**
     * The slot's Deployment at one replica, running {@code spec}: its init container fetches the layers from {@code
     * artifacts} with {@code grant}; the app's claim ({@link AppClaims}) is its {@code /data}, when it has storage.
     */
    Deployment deployment(SandboxSpec spec, char slot, String startId, RemoteLayers artifacts, String grant) {
        String name = name(spec.appId(), slot);
        Map<String, String> labels = labels(spec, slot);
        Map<String, String> podLabels = new LinkedHashMap<>(labels);
        podLabels.put(START_LABEL, startId);
        Artifact artifact = spec.artifact();
        String image = settings.image(artifact.language());
        Deployment deployment = new DeploymentBuilder()
                .withNewMetadata().withName(name).withLabels(labels).endMetadata()
                .withNewSpec().withReplicas(1)
                .withNewSelector().withMatchLabels(selector(spec.appId(), slot)).endSelector()
                .withNewStrategy().withType("Recreate").endStrategy()
                .withNewTemplate()
                .withNewMetadata().withLabels(podLabels).endMetadata()
                .withNewSpec()
                .withAutomountServiceAccountToken(false).withEnableServiceLinks(false).withRestartPolicy("Always")
                // The pause container is PID 1, not the app: an app with no SIGTERM handler then ends at SIGTERM, as
                // under the other runtimes, rather than at the grace's end (the kernel ignores SIGTERM for a PID 1).
                .withShareProcessNamespace(true)
                .withTerminationGracePeriodSeconds(TEMPLATE_GRACE_SECONDS)
                .withNewSecurityContext().withRunAsNonRoot(true).withRunAsUser(APP_UID).withRunAsGroup(APP_UID).withFsGroup(APP_UID)
                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile().endSecurityContext()
                .withInitContainers(fetch(artifact, image, spec, artifacts, grant))
                .withContainers(app(artifact, image, spec, name))
                .addNewVolume().withName("code").withNewEmptyDir().endEmptyDir().endVolume()
                .addNewVolume().withName("deps").withNewEmptyDir().endEmptyDir().endVolume()
                .addNewVolume().withName("tmp").withNewEmptyDir().withMedium("Memory").withSizeLimit(new Quantity(String.valueOf(settings.tmpBytes())))
                .endEmptyDir().endVolume()
                .endSpec().endTemplate().endSpec().build();
        return spec.limits().hasStorage() ? AppClaims.mountInto(deployment, spec.appId()) : deployment;
    }

    /** The slot's Secret: the app's env, which its container takes whole ({@code envFrom}), the values base64 as {@code data}. */
    Secret env(SandboxSpec spec, char slot) {
        Map<String, String> data = new LinkedHashMap<>();
        spec.env().forEach((key, value) -> data.put(key, java.util.Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8))));
        return new SecretBuilder().withNewMetadata().withName(name(spec.appId(), slot)).withLabels(labels(spec, slot)).endMetadata()
                .withType("Opaque").withData(data).build();
    }

    /** The slot's Service: port {@value #SERVICE_PORT} in front of the app's {@value #APP_PORT}. */
    Service service(SandboxSpec spec, char slot) {
        return new ServiceBuilder()
                .withNewMetadata().withName(name(spec.appId(), slot)).withLabels(labels(spec, slot)).endMetadata()
                .withNewSpec().withType("ClusterIP").withSelector(selector(spec.appId(), slot))
                .addNewPort().withName("http").withProtocol("TCP").withPort(SERVICE_PORT).withTargetPort(new IntOrString(APP_PORT)).endPort()
                .endSpec().build();
    }

    private Container fetch(Artifact artifact, String image, SandboxSpec spec, RemoteLayers artifacts, String grant) {
        StringBuilder layers = new StringBuilder();
        layers.append(artifacts.url(spec.appId(), artifact.code())).append(" /app/code\n");
        artifact.dependencies().ifPresent(d -> layers.append(artifacts.url(spec.appId(), d)).append(' ').append(dependencyDir(artifact)).append('\n'));
        List<String> command = artifact.language() == Language.NODE ? List.of("node", "-e", FETCH_JS) : List.of("python3", "-c", FETCH_PY);
        return new ContainerBuilder().withName(FETCH_CONTAINER).withImage(image).withCommand(command)
                .withEnv(env(Map.of("SLIPWAY_GRANT", grant, "SLIPWAY_LAYERS", layers.toString())))
                .withVolumeMounts(mount("code", "/app/code", false), mount("deps", dependencyDir(artifact), false), mount("tmp", "/tmp", false))
                .withSecurityContext(lockedDown()).withTerminationMessagePolicy("FallbackToLogsOnError")
                .withNewResources().withLimits(limits(spec)).withRequests(requests(spec)).endResources()
                .build();
    }

    private Container app(Artifact artifact, String image, SandboxSpec spec, String name) {
        // The app's own env comes from its Secret; what Slipway sets wins over it, as on every runtime.
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PORT", String.valueOf(APP_PORT));
        env.put("HOST", "0.0.0.0");
        env.put("NODE_ENV", "production");
        return new ContainerBuilder().withName(APP_CONTAINER).withImage(image).withCommand(artifact.command("node", "python3"))
                .withEnvFrom(new EnvFromSourceBuilder().withNewSecretRef().withName(name).withOptional(false).endSecretRef().build())
                .withEnv(env(env)).withWorkingDir("/app/code")
                .addNewPort().withName("http").withContainerPort(APP_PORT).withProtocol("TCP").endPort()
                .withNewReadinessProbe().withNewTcpSocket().withPort(new IntOrString(APP_PORT)).endTcpSocket()
                .withPeriodSeconds(1).withFailureThreshold(3).endReadinessProbe()
                .withVolumeMounts(mount("code", "/app/code", true), mount("deps", dependencyDir(artifact), true), mount("tmp", "/tmp", false))
                .withSecurityContext(lockedDown()).withTerminationMessagePolicy("FallbackToLogsOnError")
                .withNewResources().withLimits(limits(spec)).withRequests(requests(spec)).endResources()
                .build();
    }

    private static String dependencyDir(Artifact artifact) {
        return artifact.language() == Language.NODE ? "/app/node_modules" : "/app/venv";
    }

    /** Non-root, a read-only root filesystem, no capability, no way to gain privileges. */
    static SecurityContext lockedDown() {
        return new SecurityContextBuilder().withRunAsNonRoot(true).withAllowPrivilegeEscalation(false).withReadOnlyRootFilesystem(true)
                .withPrivileged(false).withNewCapabilities().withDrop("ALL").endCapabilities().build();
    }

    /** The plan's memory and CPU as the limits. */
    private static Map<String, Quantity> limits(SandboxSpec spec) {
        return Map.of("memory", new Quantity(String.valueOf(spec.limits().memory().bytes())), "cpu", cpu(spec.limits().cpus()));
    }

    /**
     * What the scheduler reserves: the whole memory limit (memory cannot be taken back from a running app without a
     * kill), a quarter of the CPU limit (idle apps are most of them).
     */
    private static Map<String, Quantity> requests(SandboxSpec spec) {
        return Map.of("memory", new Quantity(String.valueOf(spec.limits().memory().bytes())), "cpu", cpu(spec.limits().cpus() / 4));
    }

    static Quantity cpu(double cores) {
        return new Quantity(Math.max(1, Math.round(cores * 1000)) + "m");
    }

    static VolumeMount mount(String volume, String path, boolean readOnly) {
        return new io.fabric8.kubernetes.api.model.VolumeMountBuilder().withName(volume).withMountPath(path).withReadOnly(readOnly).build();
    }

    static List<EnvVar> env(Map<String, String> values) {
        List<EnvVar> env = new ArrayList<>();
        values.forEach((name, value) -> env.add(new EnvVar(name, value, null)));
        return env;
    }

    static String resource(String name) {
        try (InputStream in = AppObjects.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("missing resource " + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
