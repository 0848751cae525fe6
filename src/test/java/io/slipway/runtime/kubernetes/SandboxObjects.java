package io.slipway.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Objects of the shapes the kubernetes runtime makes for a sandbox (a Deployment of 0 or 1 replicas with an init
 * container {@code fetch} and a container {@code app}, and a ClusterIP Service), for tests of the {@link TestKubelet}
 * made with plain fabric8 calls. Every container runs {@code node -e <script>} in the host-built node image.
 */
final class SandboxObjects {
    static final String APP = "io.slipway.app";
    static final String SLOT = "io.slipway.slot";
    static final String OWNER = "io.slipway.owner";
    static final String START = "io.slipway.start";
    static final long UID = 10001;

    private SandboxObjects() {
    }

    static Map<String, String> labels(String app) {
        return Map.of(APP, app, SLOT, "a", OWNER, "0123456789abcdef");
    }

    /**
     * A Deployment {@code name} of 0 replicas: {@code fetch} runs {@code fetchScript} with {@code /work} writable, then
     * {@code app} runs {@code appScript} with {@code /work} read-only, {@code /tmp} a memory emptyDir, and {@code PORT=8000}.
     */
    static Deployment deployment(String name, String image, String start, String fetchScript, String appScript) {
        Container fetch = new ContainerBuilder().withName("fetch").withImage(image).withCommand("node", "-e", fetchScript)
                .addNewEnv().withName("LAYERS").withValue("http://127.0.0.1:1/unused").endEnv()
                .addNewVolumeMount().withName("work").withMountPath("/work").endVolumeMount()
                .withSecurityContext(containerSecurity()).build();
        Container app = new ContainerBuilder().withName("app").withImage(image).withCommand("node", "-e", appScript)
                .addNewEnv().withName("PORT").withValue("8000").endEnv()
                .addNewPort().withName("http").withContainerPort(8000).endPort()
                .withNewReadinessProbe().withNewTcpSocket().withPort(new IntOrString(8000)).endTcpSocket().withPeriodSeconds(1).endReadinessProbe()
                .withNewResources().addToLimits("memory", new Quantity("128Mi")).addToLimits("cpu", new Quantity("500m"))
                .addToRequests("memory", new Quantity("64Mi")).addToRequests("cpu", new Quantity("100m")).endResources()
                .withSecurityContext(containerSecurity())
                .addNewVolumeMount().withName("work").withMountPath("/work").withReadOnly(true).endVolumeMount()
                .addNewVolumeMount().withName("tmp").withMountPath("/tmp").endVolumeMount()
                .build();
        Map<String, String> selector = Map.of(APP, name, SLOT, "a");
        return new DeploymentBuilder().withNewMetadata().withName(name).withLabels(labels(name)).endMetadata()
                .withNewSpec().withReplicas(0).withNewStrategy().withType("Recreate").endStrategy()
                .withNewSelector().withMatchLabels(selector).endSelector()
                .withNewTemplate().withNewMetadata().withLabels(withStart(labels(name), start)).endMetadata()
                .withNewSpec().withAutomountServiceAccountToken(false).withEnableServiceLinks(false).withRestartPolicy("Always")
                .withTerminationGracePeriodSeconds(5L)
                .withNewSecurityContext().withRunAsNonRoot(true).withRunAsUser(UID).withRunAsGroup(UID).withFsGroup(UID)
                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile().endSecurityContext()
                .withInitContainers(fetch).withContainers(app)
                .addNewVolume().withName("work").withNewEmptyDir().endEmptyDir().endVolume()
                .addNewVolume().withName("tmp").withNewEmptyDir().withMedium("Memory").withSizeLimit(new Quantity("16Mi")).endEmptyDir().endVolume()
                .endSpec().endTemplate().endSpec().build();
    }

    /** {@code deployment} with its app container running {@code command} in {@code image} instead. */
    static Deployment withApp(Deployment deployment, String image, List<String> command) {
        Container app = deployment.getSpec().getTemplate().getSpec().getContainers().getFirst();
        app.setImage(image);
        app.setCommand(command);
        return deployment;
    }

    static Service service(String name) {
        return new ServiceBuilder().withNewMetadata().withName(name).withLabels(labels(name)).endMetadata()
                .withNewSpec().withType("ClusterIP").withSelector(Map.of(APP, name, SLOT, "a"))
                .addNewPort().withName("http").withPort(80).withTargetPort(new IntOrString(8000)).endPort().endSpec().build();
    }

    static Map<String, String> withStart(Map<String, String> labels, String start) {
        var all = new LinkedHashMap<>(labels);
        all.put(START, start);
        return all;
    }

    private static SecurityContext containerSecurity() {
        return new SecurityContextBuilder().withAllowPrivilegeEscalation(false).withReadOnlyRootFilesystem(true)
                .withRunAsNonRoot(true).withNewCapabilities().withDrop(List.of("ALL")).endCapabilities().build();
    }
}
