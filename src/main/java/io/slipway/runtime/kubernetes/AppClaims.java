package io.slipway.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.slipway.runtime.SandboxSpec;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each app's persistent {@code /data} on Kubernetes: a PersistentVolumeClaim of its own, {@code s-<appId>-data}
 * ({@code ReadWriteOnce}, requesting the plan's {@code storage}, of the namespace's default StorageClass), made at the
 * app's first start, kept across sleeps, redeploys and restarts of Slipway (a restart adopts it, as it does the
 * Deployments), grown when the plan grows (where the StorageClass allows expansion), and deleted with the app. Both
 * slots' pods mount it at {@code /data}: {@code ReadWriteOnce} lets them share it on one node. How full it may get and
 * what a write past it gets is the volume plugin's (ENOSPC for a block-backed file system). Thread-safe.
 */
final class AppClaims {
    private static final Logger LOG = LoggerFactory.getLogger(AppClaims.class);
    /** The pod volume the claim is mounted from. */
    static final String VOLUME = "data";

    private final KubernetesClient client;
    private final String namespace;
    private final String owner;

    AppClaims(KubernetesClient client, String namespace, String owner) {
        this.client = client;
        this.namespace = namespace;
        this.owner = owner;
    }

    /** The claim's name: a DNS subdomain, which allows 253 characters, so an app id is never cut. */
    static String name(String appId) {
        return "s-" + appId + "-data";
    }

    /** The claim of {@code spec}'s app, labelled with the app and the Slipway that made it. */
    PersistentVolumeClaim claim(SandboxSpec spec) {
        return new PersistentVolumeClaimBuilder()
                .withNewMetadata().withName(name(spec.appId()))
                .withLabels(Map.of(SandboxSpec.APP_LABEL, spec.appId(), AppObjects.OWNER_LABEL, owner)).endMetadata()
                .withNewSpec().withAccessModes("ReadWriteOnce")
                .withNewResources().withRequests(Map.of("storage", new Quantity(String.valueOf(spec.limits().storage().bytes())))).endResources()
                .endSpec().build();
    }

    /** Mounts the app's claim at {@code /data} of the Deployment's app container. */
    static Deployment mountInto(Deployment deployment, String appId) {
        var pod = deployment.getSpec().getTemplate().getSpec();
        pod.getVolumes().add(new io.fabric8.kubernetes.api.model.VolumeBuilder().withName(VOLUME)
                .withNewPersistentVolumeClaim().withClaimName(name(appId)).endPersistentVolumeClaim().build());
        pod.getContainers().stream().filter(c -> c.getName().equals(AppObjects.APP_CONTAINER)).forEach(c -> c.getVolumeMounts()
                .add(new io.fabric8.kubernetes.api.model.VolumeMountBuilder().withName(VOLUME).withMountPath("/data").build()));
        return deployment;
    }

    /**
     * Before a start: creates the claim if the app has none, or asks for more when the plan grew (never less: a
     * claim cannot shrink). A refused expansion is logged, and the app starts on the size it has.
     */
    void ensure(SandboxSpec spec) {
        PersistentVolumeClaim wanted = claim(spec);
        String name = wanted.getMetadata().getName();
        PersistentVolumeClaim existing = client.persistentVolumeClaims().inNamespace(namespace).withName(name).get();
        if (existing == null) {
            client.resource(wanted).inNamespace(namespace).create();
            spec.log().event("made the PersistentVolumeClaim " + namespace + "/" + name + " of " + spec.limits().storage() + " for /data");
            return;
        }
        Quantity has = existing.getSpec().getResources() == null || existing.getSpec().getResources().getRequests() == null ? null
                : existing.getSpec().getResources().getRequests().get("storage");
        if (has != null && Quantity.getAmountInBytes(has).longValue() >= spec.limits().storage().bytes()) return;
        try {
            client.persistentVolumeClaims().inNamespace(namespace).withName(name).patch(PatchContext.of(PatchType.JSON_MERGE),
                    "{\"spec\":{\"resources\":{\"requests\":{\"storage\":\"" + spec.limits().storage().bytes() + "\"}}}}");
            spec.log().event("asked for " + spec.limits().storage() + " for /data (the PersistentVolumeClaim had " + has + ")");
        } catch (KubernetesClientException e) {
            LOG.warn("cannot grow the PersistentVolumeClaim {} to {}: {}", name, spec.limits().storage(), e.getMessage());
        }
    }

    /** The app is deleted: its claim goes, and with it (by the StorageClass's reclaim policy, usually) its volume. */
    void delete(String appId) {
        try {
            client.persistentVolumeClaims().inNamespace(namespace).withName(name(appId)).delete();
        } catch (KubernetesClientException e) {
            LOG.warn("cannot delete the PersistentVolumeClaim {} of a deleted app: {}", name(appId), e.getMessage());
        }
    }

    /** Deletes this Slipway's claims of apps no longer stored; returns how many. */
    int deleteAllBut(Set<String> knownApps) {
        int deleted = 0;
        for (PersistentVolumeClaim claim : client.persistentVolumeClaims().inNamespace(namespace).withLabel(AppObjects.OWNER_LABEL, owner)
                .list().getItems()) {
            String appId = claim.getMetadata().getLabels().get(SandboxSpec.APP_LABEL);
            if (appId != null && knownApps.contains(appId)) continue;
            client.resource(claim).inNamespace(namespace).delete();
            LOG.info("deleted the PersistentVolumeClaim {} of {}, an app that no longer exists", claim.getMetadata().getName(), appId);
            deleted++;
        }
        return deleted;
    }
}
