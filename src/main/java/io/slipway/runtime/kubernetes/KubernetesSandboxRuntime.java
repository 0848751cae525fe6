package io.slipway.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.slipway.runtime.Layer;
import io.slipway.runtime.Leftovers;
import io.slipway.runtime.Preflight;
import io.slipway.runtime.RemoteLayers;
import io.slipway.runtime.RuntimeCapabilities;
import io.slipway.runtime.Sandbox;
import io.slipway.runtime.SandboxRuntime;
import io.slipway.runtime.SandboxSpec;
import io.slipway.runtime.SandboxStartException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs each app as a Deployment of Kubernetes scaled 0↔1, behind a Service, in one namespace, by fabric8's client
 * ({@link AppObjects} says what the objects hold, {@link AppPolicies} their NetworkPolicy). A start applies the slot's
 * Service, NetworkPolicy and Deployment at one replica, its pod template naming the start; the pod's init container
 * downloads the code and dependency layers by digest from Slipway ({@link RemoteLayers}) with a grant that expires; the
 * proxy dials the Service. Informers on this Slipway's pods and Services (by {@value AppObjects#OWNER_LABEL}) tell each
 * sandbox what becomes of its pod and where its Service is, through the API's watch reconnects. A stop, a sleep
 * included, scales the Deployment to zero and deletes the pod with the stop's grace: the Deployment stays for the next
 * start, and so it does across Slipway's restarts. An app's {@code /data} is a PersistentVolumeClaim ({@link AppClaims}).
 *
 * <p>What Kubernetes does not give, this runtime does not claim: no per-pod pids limit (the kubelet's {@code
 * podPidsLimit} is the node's), no socket list ({@link Sandbox#listening()}), and isolation is only as good as the
 * cluster's network plugin's enforcement of NetworkPolicies.
 */
public final class KubernetesSandboxRuntime implements SandboxRuntime {
    private static final Logger LOG = LoggerFactory.getLogger(KubernetesSandboxRuntime.class);
    private static final Duration GRANT_TTL = Duration.ofMinutes(15);

    private final KubernetesClient client;
    private final String namespace;
    private final String owner;
    private final AppObjects objects;
    private final AppObjects.Settings settings;
    private final Map<String, String> slipwayPods;
    private final AppPolicies policies;
    private final AppClaims claims;
    private final RemoteLayers layers;
    private final SharedIndexInformer<Pod> pods;
    private final SharedIndexInformer<Service> services;
    /** The sandboxes this runtime started that have not ended, by their start's id. */
    private final Map<String, KubernetesSandbox> live = new ConcurrentHashMap<>();

    /**
     * Starts watching this Slipway's pods and Services (without waiting: an API that is down is {@link #check()}'s to
     * report). The runtime owns {@code client} and closes it.
     *
     * @param owner this Slipway's label (its data dir's), on every object it makes
     */
    public KubernetesSandboxRuntime(KubernetesClient client, String namespace, String owner, AppObjects.Settings settings,
                                    Map<String, String> slipwayPods, RemoteLayers layers) {
        this.client = client;
        this.namespace = namespace;
        this.owner = owner;
        this.objects = new AppObjects(settings);
        this.settings = settings;
        this.slipwayPods = Map.copyOf(slipwayPods);
        this.policies = new AppPolicies(slipwayPods);
        this.claims = new AppClaims(client, namespace, owner);
        this.layers = layers;
        this.services = client.services().inNamespace(namespace).withLabel(AppObjects.OWNER_LABEL, owner).runnableInformer(0);
        this.pods = client.pods().inNamespace(namespace).withLabel(AppObjects.OWNER_LABEL, owner).runnableInformer(0);
        pods.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod pod) {
                route(pod, false);
            }

            @Override
            public void onUpdate(Pod before, Pod pod) {
                route(pod, false);
            }

            @Override
            public void onDelete(Pod pod, boolean finalStateUnknown) {
                route(pod, true);
            }
        });
        // Every failure of a list or a watch is tried again, with the informer's back-off: fabric8's default gives up on
        // one that fails before the informer first started, which would leave every sandbox deaf to its pod.
        services.exceptionHandler(KubernetesSandboxRuntime::retry);
        pods.exceptionHandler(KubernetesSandboxRuntime::retry);
        services.start();
        pods.start();
    }

    /**
     * Whether the informers have listed and now watch this Slipway's pods and Services: from then on no change of theirs
     * is missed (an API server replays what changed since the list; fabric8's mock does not, so tests wait for this).
     */
    boolean watching() {
        return pods.hasSynced() && pods.isWatching() && services.hasSynced() && services.isWatching();
    }

    /** The settings of every sandbox's objects: the images, this Slipway's label, the size of {@code /tmp}. */
    public static AppObjects.Settings settings(String nodeImage, String pythonImage, String owner, long tmpBytes) {
        return new AppObjects.Settings(nodeImage, pythonImage, owner, tmpBytes);
    }

    /**
     * The runner of this runtime's builds in the cluster ({@link KubernetesBuilds}): pods in the apps' images, in this
     * namespace, labelled as this Slipway's; it shares this runtime's client.
     *
     * @param registries     the registry proxy, the steps' only way out; null: the public internet
     * @param trusted        what runs trusted steps (esbuild) in Slipway's own pod
     * @param maxOutputBytes the most a step's work directory may hold
     */
    public io.slipway.runtime.BuildRunner builds(io.slipway.runtime.RemoteBuildFiles files, io.slipway.runtime.RegistryGateway registries,
                                                 io.slipway.runtime.BuildRunner trusted, io.slipway.config.BuildLimits limits, long maxOutputBytes) {
        return new KubernetesBuilds(client, namespace, KubernetesBuilds.settings(settings.nodeImage(), settings.pythonImage(), owner, slipwayPods,
                limits), files, registries, trusted, maxOutputBytes, pods);
    }

    private static boolean retry(boolean started, Throwable failure) {
        LOG.warn("watching the Kubernetes API failed ({}): trying again", failure.getMessage());
        return true;
    }

    private void route(Pod pod, boolean deleted) {
        String start = pod.getMetadata().getLabels() == null ? null : pod.getMetadata().getLabels().get(AppObjects.START_LABEL);
        KubernetesSandbox sandbox = start == null ? null : live.get(start);
        if (sandbox != null) sandbox.onPod(pod, deleted);
    }

    @Override
    public String name() {
        return "kubernetes";
    }

    @Override
    public RuntimeCapabilities capabilities() {
        return new RuntimeCapabilities(true, false, true, false);
    }

    @Override
    public Sandbox start(SandboxSpec spec) {
        char slot = freeSlot(spec.appId());
        String start = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        String name = AppObjects.name(spec.appId(), slot);
        List<Layer> granted = new ArrayList<>();
        granted.add(spec.artifact().code());
        spec.artifact().dependencies().ifPresent(granted::add);
        Cluster cluster = new Cluster();
        KubernetesSandbox sandbox = new KubernetesSandbox(spec.appId(), name, start, cluster, spec.log(), new PodLogs(client, namespace, spec.log()));
        live.put(start, sandbox);
        try {
            Map<String, String> labels = objects.labels(spec, slot);
            apply(objects.env(spec, slot));
            apply(objects.service(spec, slot));
            apply(policies.of(spec, slot, labels, layers.url(spec.appId(), spec.artifact().code())));
            if (spec.limits().hasStorage()) claims.ensure(spec);
            apply(objects.deployment(spec, slot, start, layers, layers.grant(spec.appId(), granted, GRANT_TTL)));
            spec.log().event("started on Kubernetes as the Deployment " + namespace + "/" + name + " (start " + start + ")");
            return sandbox;
        } catch (RuntimeException e) {
            live.remove(start);
            throw new SandboxStartException("cannot start the sandbox of " + spec.appId() + " on Kubernetes: " + reason(e), e);
        }
    }

    /** The slot none of this app's running sandboxes holds: {@code a}, unless a redeploy's old version holds it. */
    private char freeSlot(String appId) {
        Set<String> taken = new java.util.HashSet<>();
        live.values().stream().filter(s -> s.appId().equals(appId)).forEach(s -> taken.add(s.name()));
        return taken.contains(AppObjects.name(appId, 'a')) ? 'b' : 'a';
    }

    /**
     * Creates the object, or updates it where it exists (adopted from an earlier run, or another replica's). A Service
     * keeps its cluster IP, which is immutable: only its labels are brought up to date.
     */
    private void apply(HasMetadata object) {
        if (object instanceof Service service) {
            Service existing = client.services().inNamespace(namespace).withName(service.getMetadata().getName()).get();
            if (existing == null) {
                client.resource(service).inNamespace(namespace).createOr(NonDeletingOperation::update);
            } else if (!service.getMetadata().getLabels().equals(existing.getMetadata().getLabels())) {
                client.services().inNamespace(namespace).withName(service.getMetadata().getName()).edit(s -> {
                    s.getMetadata().setLabels(service.getMetadata().getLabels());
                    return s;
                });
            }
            return;
        }
        client.resource(object).inNamespace(namespace).createOr(NonDeletingOperation::update);
    }

    /** The app is deleted: its slots' Deployments, Services, Secrets and NetworkPolicies go, and its /data's claim. */
    @Override
    public void forget(String appId) {
        for (char slot : new char[] {'a', 'b'}) delete(AppObjects.name(appId, slot));
        claims.delete(appId);
    }

    private void delete(String name) {
        try {
            client.apps().deployments().inNamespace(namespace).withName(name).delete();
            client.services().inNamespace(namespace).withName(name).delete();
            client.network().v1().networkPolicies().inNamespace(namespace).withName(name).delete();
            client.secrets().inNamespace(namespace).withName(name).delete();
        } catch (KubernetesClientException e) {
            LOG.warn("cannot delete the objects {} of a deleted app: {}", name, reason(e));
        }
    }

    /**
     * This Slipway's Deployments (by its label) of apps no longer stored are deleted with their Services, Secrets and
     * NetworkPolicies; those of stored apps are kept for their next start (adopted), scaled to zero where they still
     * ran: every app comes back asleep after a restart, as on every runtime. Each pod stopped counts as reaped.
     */
    @Override
    public Leftovers adoptOrReap(Set<String> knownApps) {
        int reaped = 0;
        int kept = 0;
        for (Deployment deployment : client.apps().deployments().inNamespace(namespace).withLabel(AppObjects.OWNER_LABEL, owner).list().getItems()) {
            String appId = deployment.getMetadata().getLabels().get(SandboxSpec.APP_LABEL);
            String name = deployment.getMetadata().getName();
            boolean running = deployment.getSpec().getReplicas() != null && deployment.getSpec().getReplicas() > 0;
            if (appId == null || !knownApps.contains(appId)) {
                delete(name);
                LOG.info("deleted the Deployment {} of {}, an app that no longer exists", name, appId);
                if (running) reaped++;
            } else {
                kept++;
                if (running) {
                    new Cluster().scale(name, 0);
                    reaped++;
                }
            }
        }
        if (kept > 0) LOG.info("kept {} Deployments of stored apps in {} for their next start", kept, namespace);
        claims.deleteAllBut(knownApps);
        return new Leftovers(0, reaped);
    }

    /** The API answers, and lets Slipway list its Deployments in the namespace. */
    @Override
    public Preflight check() {
        try {
            client.apps().deployments().inNamespace(namespace).withLabel(AppObjects.OWNER_LABEL, owner).list();
            return Preflight.passed();
        } catch (KubernetesClientException e) {
            return new Preflight(List.of("the Kubernetes API at " + client.getMasterUrl() + " refuses or does not answer listing Deployments in "
                    + namespace + " (" + reason(e) + "): check the ServiceAccount's Role (deploy/kubernetes/role.yaml) and kubernetes.namespace"));
        }
    }

    @Override
    public void close() {
        pods.close();
        services.close();
        client.close();
    }

    static String reason(RuntimeException e) {
        if (e instanceof KubernetesClientException k && k.getStatus() != null && k.getStatus().getMessage() != null) {
            return k.getCode() + " " + k.getStatus().getMessage();
        }
        return String.valueOf(e.getMessage());
    }

    /** What a sandbox asks of the API. */
    private final class Cluster implements KubernetesSandbox.Cluster {
        @Override
        public SocketAddress address(String service) {
            Service known = services.getStore().getByKey(namespace + "/" + service);
            String ip = known == null || known.getSpec() == null ? null : known.getSpec().getClusterIP();
            if (ip == null || ip.isBlank() || "None".equals(ip)) return new InetSocketAddress("0.0.0.0", 0);
            return new InetSocketAddress(ip, AppObjects.SERVICE_PORT);
        }

        @Override
        public void scale(String deployment, int replicas) {
            client.apps().deployments().inNamespace(namespace).withName(deployment)
                    .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"replicas\":" + replicas + "}}");
        }

        @Override
        public void deletePod(String pod, Duration grace) {
            client.pods().inNamespace(namespace).withName(pod).withGracePeriod(Math.max(0, (grace.toMillis() + 999) / 1000)).delete();
        }

        @Override
        public void ended(KubernetesSandbox sandbox) {
            live.remove(sandbox.startId(), sandbox);
        }
    }
}
