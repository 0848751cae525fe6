package io.slipway.runtime.kubernetes;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.DockerException;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.slipway.app.FileTrees;
import io.slipway.runtime.docker.DockerRuntimes;
import io.slipway.testing.PodmanEngine;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A stand-in for a Kubernetes cluster, over fabric8's Kubernetes <em>mock</em> API server (CRUD mode): no real API
 * server can run on these machines (DESIGN §9), so this plays, for one namespace, the controllers, the kubelet and
 * kube-proxy that a cluster would run behind it, and runs pods as real containers on a {@link PodmanEngine}.
 * <ul>
 * <li>Deployments ({@code Recreate}) make pods and keep their {@code status} ({@link DeploymentController}).</li>
 * <li>Each pod runs on the host as a kubelet would run it: emptyDir volumes, init containers on the host's network,
 * the app container on its own network with its ports at {@code podIP} (one without ports, a build step's, on the
 * host's network), readiness probes, restarts with back-off ({@code restartPolicy: Never}: none, the phase {@code
 * Succeeded} or {@code Failed} once it ended), graceful termination, and its {@code status} as a kubelet writes it
 * ({@link PodWorker}, {@link PodContainers}).</li>
 * <li>Services get a {@code spec.clusterIP} on the host's loopback that forwards to their ready pods ({@link
 * ServiceProxy}).</li>
 * <li>The API server's graceful pod deletion, RFC 7386 merge patches and {@code pods/log} are added to the mock
 * ({@link KubeletDispatcher}).</li>
 * </ul>
 * It does not simulate: scheduling (every pod is on one node, {@value KubeletNode#NODE_NAME}), NetworkPolicies (ignored:
 * an app container reaches what slirp4netns lets it, the internet and the host's non-loopback addresses), RBAC,
 * admission, validation, resource requests, {@code activeDeadlineSeconds}, volumes other than emptyDir, {@code valueFrom} in env, more than one app
 * container per pod, exec, liveness and startup probes, image pulls (a missing image leaves the container waiting with
 * {@code ErrImagePull} until the pod is deleted, not retried), Deployment conditions, Events, and any object kind beyond
 * Deployments, Pods and Services. A followed log ({@code follow=true}) ends at once with what there is. Needs root and
 * podman's {@code slirp4netns}.
 *
 * <p>{@link #start} starts the mock API server and the kubelet; {@link #newClient()} gives clients of it; {@link
 * #close()} stops it all and removes every container, address and directory it made. Thread-safe.
 */
public final class TestKubelet implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TestKubelet.class);
    /** Held, as java.util.logging keeps its loggers weakly: the mock server logs every request at INFO. */
    private static final java.util.logging.Logger MOCK_SERVER_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver.MockWebServer");

    static {
        MOCK_SERVER_LOG.setLevel(java.util.logging.Level.WARNING);
    }

    private final String namespace;
    private final KubernetesMockServer server;
    private final KubernetesClient api;
    private final DockerClient docker;
    private final DockerClient waits;
    private final KubeletNode node;
    private final String id;
    private final DeploymentController deployments;
    private final ServiceProxy services;
    private final Map<String, PodWorker> workers = new ConcurrentHashMap<>();
    private final LinkedBlockingQueue<Boolean> wake = new LinkedBlockingQueue<>(1);
    private final List<SharedIndexInformer<?>> informers;
    private final Thread control;
    private volatile boolean closed;

    private TestKubelet(PodmanEngine engine, String namespace, Duration backOff) throws IOException {
        this.namespace = namespace;
        Map<ServerRequest, Queue<ServerResponse>> expectations = new HashMap<>();
        KubeletDispatcher dispatcher = new KubeletDispatcher(expectations);
        server = new KubernetesMockServer(new Context(), new MockWebServer(), expectations, dispatcher, false);
        server.init();
        api = server.createClient();
        docker = DockerRuntimes.client(engine);
        waits = DockerRuntimes.longCallClient(engine);
        id = HexFormat.of().formatHex(new SecureRandom().generateSeed(4));
        LoopbackAddresses addresses = new LoopbackAddresses();
        node = new KubeletNode(api, docker, waits, new PodContainers(docker, id, this::secret), addresses, Files.createTempDirectory("test-kubelet-"),
                backOff, backOff.multipliedBy(16));
        deployments = new DeploymentController(api, namespace);
        services = new ServiceProxy(api, namespace, addresses);
        dispatcher.serveLogs(new PodLogEndpoint(docker, this::logsOf));
        ResourceEventHandler<Object> nudge = new ResourceEventHandler<>() {
            @Override
            public void onAdd(Object o) {
                wake.offer(true);
            }

            @Override
            public void onUpdate(Object old, Object now) {
                wake.offer(true);
            }

            @Override
            public void onDelete(Object o, boolean unknownFinalState) {
                wake.offer(true);
            }
        };
        informers = List.of(api.apps().deployments().inNamespace(namespace).inform(handler(nudge), 0),
                api.pods().inNamespace(namespace).inform(handler(nudge), 0), api.services().inNamespace(namespace).inform(handler(nudge), 0));
        control = Thread.ofVirtual().name("test-kubelet-" + namespace).start(this::controlLoop);
    }

    /**
     * Starts a mock API server on a free port of the loopback and a kubelet over it for {@code namespace}, running pods
     * on {@code engine}; a failed container is restarted at once the first time, after {@code backOff} the second, and
     * after twice as long each further time, up to 16 × {@code backOff} (a kubelet: 10 s, up to 5 min).
     */
    public static TestKubelet start(PodmanEngine engine, String namespace, Duration backOff) {
        try {
            return new TestKubelet(engine, namespace, backOff);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the test kubelet", e);
        }
    }

    /** With a back-off of 1 s. */
    public static TestKubelet start(PodmanEngine engine, String namespace) {
        return start(engine, namespace, Duration.ofSeconds(1));
    }

    /** A new client of the mock API server; the caller closes it. */
    public KubernetesClient newClient() {
        return server.createClient();
    }

    /** The mock API server, for {@code expect()} answers beside its CRUD store, or its URL. */
    public KubernetesMockServer apiServer() {
        return server;
    }

    /**
     * Kills the app container of pod {@code podName} with SIGKILL, as the kernel's OOM killer or a crash would end it:
     * the kubelet records its exit (137, {@code OOMKilled} under a memory limit) and restarts it. Throws when the pod's
     * app container is not running.
     */
    public void restartApp(String podName) {
        PodWorker worker = live(podName).orElseThrow(() -> new IllegalArgumentException("the kubelet runs no pod " + podName));
        String app = worker.pod().getSpec().getContainers().getFirst().getName();
        String container = worker.run().running().filter(r -> r.container().getName().equals(app)).map(PodRun.Running::id)
                .orElseThrow(() -> new IllegalStateException("pod " + podName + " has no running " + app + " container"));
        docker.killContainerCmd(container).withSignal("SIGKILL").exec();
    }

    private void controlLoop() {
        while (!closed) {
            try {
                wake.poll(1, TimeUnit.SECONDS);
                if (closed) return;
                List<Pod> pods = api.pods().inNamespace(namespace).list().getItems();
                runPods(pods);
                // Services first: once a Deployment's status says no pod is ready, its Service refuses connections.
                services.reconcile(api.services().inNamespace(namespace).list().getItems(), pods);
                deployments.reconcile(api.apps().deployments().inNamespace(namespace).list().getItems(), pods);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (!closed) LOG.warn("the test kubelet's control loop: {}", e.toString());
            }
        }
    }

    /** Starts a worker for each new pod, tells each its pod as it now is, or that it is gone. */
    private void runPods(List<Pod> pods) {
        Set<String> present = pods.stream().map(p -> p.getMetadata().getUid()).collect(Collectors.toSet());
        for (Pod pod : pods) {
            PodWorker worker = workers.computeIfAbsent(pod.getMetadata().getUid(), uid -> {
                PodWorker made = new PodWorker(node, pod);
                made.start();
                return made;
            });
            if (!pod.getMetadata().getResourceVersion().equals(worker.pod().getMetadata().getResourceVersion())) {
                worker.observe(new PodWorker.Event.Changed(pod));
            }
        }
        workers.forEach((uid, worker) -> {
            if (!present.contains(uid) && !worker.gone()) worker.observe(new PodWorker.Event.Gone());
        });
    }

    private Optional<PodWorker> live(String podName) {
        return workers.values().stream().filter(w -> w.name().equals(podName) && !w.gone() && !w.finished()).reduce((first, later) -> later);
    }

    /** The decoded data of the namespace's Secret {@code name}, as the kubelet hands it to {@code envFrom}. */
    private Optional<Map<String, String>> secret(String name) {
        io.fabric8.kubernetes.api.model.Secret secret = api.secrets().inNamespace(namespace).withName(name).get();
        if (secret == null) return Optional.empty();
        Map<String, String> data = new java.util.LinkedHashMap<>();
        if (secret.getData() != null) {
            secret.getData().forEach((key, value) -> data.put(key, new String(java.util.Base64.getDecoder().decode(value), java.nio.charset.StandardCharsets.UTF_8)));
        }
        if (secret.getStringData() != null) data.putAll(secret.getStringData());
        return Optional.of(data);
    }

    private PodLogEndpoint.Lookup logsOf(String podNamespace, String pod, String container, boolean previous) {
        var worker = podNamespace.equals(namespace) ? live(pod) : Optional.<PodWorker>empty();
        if (worker.isEmpty()) return new PodLogEndpoint.Lookup.Missing(404, "pods \"" + pod + "\" not found");
        List<Container> containers = worker.get().pod().getSpec().getContainers();
        String name = container.isEmpty() ? containers.getFirst().getName() : container;
        boolean known = Stream.concat(containers.stream(), worker.get().pod().getSpec().getInitContainers().stream())
                .anyMatch(c -> c.getName().equals(name));
        if (!known) return new PodLogEndpoint.Lookup.Missing(400, "container " + name + " is not valid for pod " + pod);
        return worker.get().containerId(name, previous).<PodLogEndpoint.Lookup>map(PodLogEndpoint.Lookup.Found::new)
                .orElseGet(() -> new PodLogEndpoint.Lookup.Missing(400, "container \"" + name + "\" in pod \"" + pod + "\" is waiting to start: PodInitializing"));
    }

    @SuppressWarnings("unchecked")
    private static <T> ResourceEventHandler<T> handler(ResourceEventHandler<Object> handler) {
        return (ResourceEventHandler<T>) (ResourceEventHandler<?>) handler;
    }

    /**
     * Stops the watches and the control thread, removes every pod's containers at once (no grace, no status written),
     * stops the Services' forwarders, deletes the volumes, and stops the mock API server. Waits up to 10 s per pod. A
     * second call does nothing.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) return;
            closed = true;
        }
        informers.forEach(SharedIndexInformer::close);
        control.interrupt();
        try {
            control.join(Duration.ofSeconds(10));
            workers.values().forEach(w -> w.observe(new PodWorker.Event.Abandon()));
            for (PodWorker worker : workers.values()) {
                if (!worker.join(Duration.ofSeconds(10))) LOG.warn("pod worker {} did not end within 10 s", worker.name());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            removeLeftovers();
            services.close();
            FileTrees.deleteQuietly(node.root());
            for (AutoCloseable closeable : List.<AutoCloseable>of(api, docker, waits)) {
                try {
                    closeable.close();
                } catch (Exception e) {
                    LOG.debug("closing: {}", e.toString());
                }
            }
            server.destroy();
        }
    }

    /** Whatever container of this kubelet's is still in the engine (a worker that did not end). */
    private void removeLeftovers() {
        try {
            for (var container : docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(PodContainers.KUBELET_LABEL, id)).exec()) {
                docker.removeContainerCmd(container.getId()).withForce(true).exec();
            }
        } catch (DockerException e) {
            LOG.warn("removing the test kubelet's containers: {}", e.toString());
        }
    }

    /** The value of {@code io.slipway.test-kubelet} on each of this kubelet's containers in the engine. */
    public String containerLabel() {
        return id;
    }
}
