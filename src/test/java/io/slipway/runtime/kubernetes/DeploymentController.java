package io.slipway.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Deployment and ReplicaSet controllers of the {@link TestKubelet}'s cluster, folded into one, for the {@code
 * Recreate} strategy: each Deployment's pods are those owned by it ({@code ownerReferences}), of its template (a {@value
 * #TEMPLATE_HASH} label, as the ReplicaSet controller sets) or of an older one. While any pod of an older template
 * exists it is deleted, and no new pod is made until all are gone; then pods of the current template are made up to
 * {@code spec.replicas} ({@code <deployment>-<5 random letters>}, the template's labels and annotations, an owner
 * reference, the kubelet's finalizer) and deleted above it. Deletions use the pod's own grace. Pods whose owner is gone
 * are deleted, as the garbage collector does. {@code status} {replicas, updatedReplicas, readyReplicas,
 * availableReplicas, observedGeneration} is kept current with a PUT of {@code /status}. Level-triggered: {@link
 * #reconcile} reads what is, from the API, and acts; it runs on the kubelet's one control thread.
 */
final class DeploymentController {
    static final String TEMPLATE_HASH = "pod-template-hash";
    private static final Logger LOG = LoggerFactory.getLogger(DeploymentController.class);
    private static final String LETTERS = "abcdefghijklmnopqrstuvwxyz";

    private final KubernetesClient api;
    private final String namespace;
    private final SecureRandom random = new SecureRandom();

    DeploymentController(KubernetesClient api, String namespace) {
        this.api = api;
        this.namespace = namespace;
    }

    void reconcile(List<Deployment> deployments, List<Pod> pods) {
        Set<String> owners = deployments.stream().map(d -> d.getMetadata().getUid()).collect(Collectors.toSet());
        for (Pod pod : pods) {
            OwnerReference owner = owner(pod);
            if (owner != null && "Deployment".equals(owner.getKind()) && !owners.contains(owner.getUid()) && !terminating(pod)) delete(pod);
        }
        for (Deployment deployment : deployments) {
            try {
                reconcile(deployment, pods.stream().filter(p -> owner(p) != null && deployment.getMetadata().getUid().equals(owner(p).getUid())).toList());
            } catch (KubernetesClientException e) {
                LOG.warn("deployment {}: {}", deployment.getMetadata().getName(), e.getMessage());
            }
        }
    }

    private void reconcile(Deployment deployment, List<Pod> owned) {
        String hash = hash(api, deployment.getSpec().getTemplate());
        int replicas = deployment.getSpec().getReplicas() == null ? 1 : deployment.getSpec().getReplicas();
        List<Pod> old = owned.stream().filter(p -> !hash.equals(p.getMetadata().getLabels().get(TEMPLATE_HASH))).toList();
        List<Pod> current = owned.stream().filter(p -> hash.equals(p.getMetadata().getLabels().get(TEMPLATE_HASH)) && !terminating(p))
                .sorted(Comparator.comparing((Pod p) -> p.getMetadata().getCreationTimestamp()).reversed()).toList();
        old.stream().filter(p -> !terminating(p)).forEach(this::delete);
        if (old.isEmpty()) {
            for (int i = current.size(); i < replicas; i++) create(deployment, hash);
        }
        for (int i = 0; i < current.size() - replicas; i++) delete(current.get(i));
        writeStatus(deployment, owned, hash);
    }

    private void create(Deployment deployment, String hash) {
        PodTemplateSpec template = deployment.getSpec().getTemplate();
        Map<String, String> labels = new LinkedHashMap<>(Objects.requireNonNullElse(template.getMetadata().getLabels(), Map.of()));
        labels.put(TEMPLATE_HASH, hash);
        String name = deployment.getMetadata().getName() + "-" + random.ints(5, 0, LETTERS.length()).mapToObj(i -> String.valueOf(LETTERS.charAt(i)))
                .collect(Collectors.joining());
        Pod pod = new PodBuilder().withNewMetadata().withName(name).withNamespace(namespace).withLabels(labels)
                .withAnnotations(template.getMetadata().getAnnotations())
                .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("apps/v1").withKind("Deployment")
                        .withName(deployment.getMetadata().getName()).withUid(deployment.getMetadata().getUid())
                        .withController(true).withBlockOwnerDeletion(true).build())
                .withFinalizers(KubeletNode.FINALIZER).endMetadata()
                .withSpec(api.getKubernetesSerialization().clone(template.getSpec())).editSpec().withNodeName(KubeletNode.NODE_NAME).endSpec()
                .withNewStatus().withPhase("Pending").endStatus().build();
        api.pods().inNamespace(namespace).resource(pod).create();
    }

    private void delete(Pod pod) {
        try {
            api.pods().inNamespace(namespace).withName(pod.getMetadata().getName()).delete();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) throw e;
        }
    }

    private void writeStatus(Deployment deployment, List<Pod> owned, String hash) {
        List<Pod> live = owned.stream().filter(p -> !terminating(p)).toList();
        int ready = (int) live.stream().filter(DeploymentController::ready).count();
        DeploymentStatus status = new DeploymentStatusBuilder(Objects.requireNonNullElseGet(deployment.getStatus(), DeploymentStatus::new))
                .withObservedGeneration(deployment.getMetadata().getGeneration()).withReplicas(live.size())
                .withUpdatedReplicas((int) live.stream().filter(p -> hash.equals(p.getMetadata().getLabels().get(TEMPLATE_HASH))).count())
                .withReadyReplicas(ready).withAvailableReplicas(ready).withUnavailableReplicas(Math.max(0, live.size() - ready)).build();
        if (status.equals(deployment.getStatus())) return;
        Deployment update = new DeploymentBuilder().withNewMetadata().withName(deployment.getMetadata().getName()).withNamespace(namespace)
                .endMetadata().withStatus(status).build();
        api.apps().deployments().inNamespace(namespace).resource(update).updateStatus();
    }

    static boolean ready(Pod pod) {
        return pod.getStatus() != null && pod.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    static boolean terminating(Pod pod) {
        return pod.getMetadata().getDeletionTimestamp() != null;
    }

    private static OwnerReference owner(Pod pod) {
        return pod.getMetadata().getOwnerReferences().stream().filter(o -> Boolean.TRUE.equals(o.getController())).findFirst().orElse(null);
    }

    /** A digest of the template, as the ReplicaSet controller names its pods' template by one. */
    static String hash(KubernetesClient api, PodTemplateSpec template) {
        try {
            byte[] json = api.getKubernetesSerialization().asJson(template).getBytes(StandardCharsets.UTF_8);
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(json)).substring(0, 10);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
