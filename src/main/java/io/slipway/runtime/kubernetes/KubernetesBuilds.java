package io.slipway.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.slipway.app.Language;
import io.slipway.logs.LogSource;
import io.slipway.runtime.BuildEnvironment;
import io.slipway.runtime.BuildRunner;
import io.slipway.runtime.BuildStep;
import io.slipway.runtime.BuildStepFailedException;
import io.slipway.runtime.RegistryGateway;
import io.slipway.runtime.RemoteBuildFiles;
import io.slipway.runtime.host.RegistryBridge;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kubernetes runtime's builds: each untrusted step runs as a Pod of its own in the image of its language ({@code
 * kubernetes.nodeImage}, {@code kubernetes.pythonImage}), so that what it installs fits the interpreter that loads it,
 * and never in Slipway's pod, which holds the database's URL and the token secret ({@link BuildPods} says what the pod
 * and its NetworkPolicy hold). The pod downloads the step's directories from Slipway and uploads its work directory
 * back ({@link RemoteBuildFiles}, with a grant that lasts the step's timeout); its only way out is the registry proxy,
 * through a port of Slipway's open for that step ({@link ProxyListener}). Its output is followed through {@code
 * pods/log} into the step's log as {@code [build]} lines. The step succeeds when its container exited 0 and its output
 * arrived; past its timeout the pod is deleted and the step fails saying so, and {@code OOMKilled} is named as
 * running out of {@code build.memory}. Trusted steps (esbuild, pinned by Slipway) run in Slipway's own pod through
 * {@code trusted}. Thread-safe.
 */
public final class KubernetesBuilds implements BuildRunner {
    private static final Logger LOG = LoggerFactory.getLogger(KubernetesBuilds.class);
    /** How long a pod may take to be scheduled, pull its image and fetch its files, beyond the step's own timeout. */
    private static final Duration START_ALLOWANCE = Duration.ofMinutes(2);

    private final KubernetesClient client;
    private final String namespace;
    private final BuildPods pods;
    private final BuildPods.Settings settings;
    private final RemoteBuildFiles files;
    private final RegistryGateway registries;
    private final BuildRunner trusted;
    private final long maxOutputBytes;
    /**
     * This Slipway's pods as the API last said (the runtime's informer, by {@value AppObjects#OWNER_LABEL}): one watch
     * for all steps and apps rather than a watch per step.
     */
    private final SharedIndexInformer<Pod> watched;

    /**
     * @param registries     the registry proxy, the steps' only way out; null: they reach the public internet
     * @param trusted        what runs trusted steps here, in Slipway's own pod
     * @param maxOutputBytes the most a step's work directory may hold, and its upload
     * @param informer       a started informer of this Slipway's pods in {@code namespace}, build pods among them
     */
    KubernetesBuilds(KubernetesClient client, String namespace, BuildPods.Settings settings, RemoteBuildFiles files,
                     RegistryGateway registries, BuildRunner trusted, long maxOutputBytes, SharedIndexInformer<Pod> informer) {
        this.client = client;
        this.namespace = namespace;
        this.settings = settings;
        this.pods = new BuildPods(settings);
        this.files = files;
        this.registries = registries;
        this.trusted = trusted;
        this.maxOutputBytes = maxOutputBytes;
        this.watched = informer;
    }

    /** Whether the pods are listed and watched: from then on no change of theirs is missed (tests wait for it). */
    boolean watching() {
        return watched.hasSynced() && watched.isWatching();
    }

    /** The settings of every step's pod. */
    public static BuildPods.Settings settings(String nodeImage, String pythonImage, String owner, Map<String, String> slipwayPods,
                                              io.slipway.config.BuildLimits limits) {
        return new BuildPods.Settings(nodeImage, pythonImage, owner, slipwayPods, limits);
    }

    /**
     * The image, by name: a dependency set installed in one image is used only with it. Name images by digest or an
     * immutable tag, as the README says: a tag that moves to another interpreter would be taken for the same.
     */
    @Override
    public BuildEnvironment environment(Language language) {
        return new BuildEnvironment("kubernetes:" + settings.image(language), language == Language.NODE ? "npm" : "python3");
    }

    @Override
    public void run(BuildStep step) {
        if (step.trusted()) {
            trusted.run(step);
            return;
        }
        String image = settings.image(step.language());
        step.log().event(step.description() + " (in a pod of " + image + ")");
        try (RemoteBuildFiles.Transfer transfer = files.open(step, maxOutputBytes, step.timeout().plus(START_ALLOWANCE));
             RegistryGateway.WayOut wayOut = registries == null ? null : registries.open(step.log());
             ProxyListener proxy = wayOut == null ? null : ProxyListener.open(wayOut, transfer.output().getHost())) {
            runInPod(step, transfer, proxy);
        } catch (BuildStepFailedException e) {
            throw e;
        } catch (RuntimeException e) {
            // The API or Slipway's side failed, not the step: the build fails saying so, and the detail is in Slipway's log.
            LOG.warn("{} could not run in a pod of {}", step.description(), image, e);
            throw failed(step, "could not run in a pod of " + image + ": " + KubernetesSandboxRuntime.reason(e));
        }
    }

    private void runInPod(BuildStep step, RemoteBuildFiles.Transfer transfer, ProxyListener proxy) {
        Map<String, String> env = new LinkedHashMap<>(step.env());
        if (proxy != null) env.putAll(RegistryBridge.variables("http://" + hostForUrl(transfer.output().getHost()) + ":" + proxy.port()));
        // npm and pip trust Slipway's roots too: the egress may be a TLS-inspecting proxy whose root only Slipway's bundle holds.
        if (transfer.trustedRoots().isPresent()) env.putAll(RegistryBridge.trusting(BuildPods.TRUST_DIR + "/" + RemoteBuildFiles.TRUSTED_ROOTS));
        String name = BuildPods.name(transfer);
        PodLogs logs = new PodLogs(client, namespace, step.log(), BuildPods.STEP_CONTAINER, LogSource.BUILD);
        try {
            client.resource(pods.policy(transfer, AppPolicies.port(transfer.output()),
                    proxy == null ? OptionalInt.empty() : OptionalInt.of(proxy.port()))).inNamespace(namespace).create();
            client.resource(pods.pod(step, transfer, env, maxOutputBytes)).inNamespace(namespace).create();
            logs.follow(name);
            Pod ended = awaitEnd(step, name);
            logs.finish();
            judge(step, ended, transfer);
        } finally {
            logs.finish();
            delete(name);
        }
    }

    /**
     * The pod once its step has ended, or it cannot run; null once it is gone. The step's timeout counts from its
     * container's start: scheduling, pulling the image and fetching the files have {@link #START_ALLOWANCE}. Past
     * either, the pod is deleted and the step fails saying which.
     */
    private Pod awaitEnd(BuildStep step, String name) {
        Optional<Pod> started = until(name, p -> p == null || ended(p) || running(p), START_ALLOWANCE);
        if (started.isEmpty()) {
            delete(name);
            throw failed(step, "did not start within " + io.slipway.config.Durations.format(START_ALLOWANCE)
                    + " (its pod not scheduled, its image not pulled, or its files not fetched)");
        }
        if (started.get() == GONE || ended(started.get())) return started.get() == GONE ? null : started.get();
        Optional<Pod> end = until(name, p -> p == null || ended(p), step.timeout());
        if (end.isEmpty()) {
            delete(name);
            throw failed(step, "timed out after " + io.slipway.config.Durations.format(step.timeout()));
        }
        return end.get() == GONE ? null : end.get();
    }

    /** Stands for a pod that is gone, in an {@link Optional}. */
    private static final Pod GONE = new Pod();
    private static final Duration LOOK_AGAIN = Duration.ofMillis(100);

    /**
     * The pod as the watch has it once {@code done} holds for it (null: it is gone, returned as {@link #GONE}); empty
     * when {@code within} passes first. The watch's store is local: looking at it often costs the API nothing.
     */
    private Optional<Pod> until(String name, java.util.function.Predicate<Pod> done, Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        boolean seen = false;
        while (true) {
            Pod pod = watched.getStore().getByKey(namespace + "/" + name);
            seen |= pod != null;
            // A pod not yet in the store was only just created: it is gone only once the watch had it and lost it.
            if ((pod != null || seen) && done.test(pod)) return Optional.of(pod == null ? GONE : pod);
            if (System.nanoTime() > deadline) return Optional.empty();
            try {
                Thread.sleep(LOOK_AGAIN);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BuildStepFailedException("interrupted while waiting for its pod");
            }
        }
    }

    private static boolean running(Pod pod) {
        return pod.getStatus() != null && step(pod).map(s -> s.getState() != null && s.getState().getRunning() != null).orElse(false);
    }

    private static boolean ended(Pod pod) {
        if (pod.getStatus() == null) return false;
        if ("Succeeded".equals(pod.getStatus().getPhase()) || "Failed".equals(pod.getStatus().getPhase())) return true;
        return step(pod).map(s -> s.getState() != null && s.getState().getTerminated() != null).orElse(false)
                || fetchFailed(pod).isPresent() || PodStates.hopeless(pod).isPresent();
    }

    /** Whether the step succeeded, by its container's exit and its output; throws saying how it failed. */
    private void judge(BuildStep step, Pod pod, RemoteBuildFiles.Transfer transfer) {
        if (pod == null) throw failed(step, "was stopped: its pod was deleted (Slipway is stopping, or an operator deleted it)");
        Optional<ContainerStateTerminated> fetch = fetchFailed(pod);
        if (fetch.isPresent()) {
            throw failed(step, "could not fetch its files from Slipway (exit code " + fetch.get().getExitCode() + ")"
                    + Optional.ofNullable(fetch.get().getMessage()).map(m -> ": " + m.strip()).orElse(""));
        }
        Optional<ContainerStateTerminated> end = step(pod).map(s -> s.getState() == null ? null : s.getState().getTerminated());
        if (end.isEmpty()) {
            String why = PodStates.hopeless(pod).flatMap(io.slipway.runtime.SandboxExit::cause)
                    .orElse("its pod ended (" + pod.getStatus().getPhase() + ", " + pod.getStatus().getReason() + ") before the step ran");
            throw failed(step, "could not run: " + why);
        }
        int code = end.get().getExitCode() == null ? -1 : end.get().getExitCode();
        if ("OOMKilled".equals(end.get().getReason())) throw failed(step, "was killed (exit code " + code + "); it ran out of memory (build.memory)");
        if (code != 0) throw failed(step, "failed with exit code " + code);
        if (!transfer.outputArrived()) throw failed(step, "exited 0 but its output did not reach Slipway");
    }

    private static Optional<ContainerStatus> step(Pod pod) {
        return statuses(pod.getStatus().getContainerStatuses()).stream().filter(s -> BuildPods.STEP_CONTAINER.equals(s.getName())).findFirst();
    }

    private static Optional<ContainerStateTerminated> fetchFailed(Pod pod) {
        return statuses(pod.getStatus().getInitContainerStatuses()).stream()
                .map(s -> s.getState() == null ? null : s.getState().getTerminated())
                .filter(t -> t != null && t.getExitCode() != null && t.getExitCode() != 0).findFirst();
    }

    private static List<ContainerStatus> statuses(List<ContainerStatus> statuses) {
        return statuses == null ? List.of() : statuses;
    }

    private void delete(String name) {
        try {
            client.pods().inNamespace(namespace).withName(name).withGracePeriod(0).delete();
            client.network().v1().networkPolicies().inNamespace(namespace).withName(name).delete();
        } catch (KubernetesClientException e) {
            LOG.warn("cannot delete the build pod {}: {}", name, KubernetesSandboxRuntime.reason(e));
        }
    }

    /**
     * Nothing to seal: in Slipway's pod only Slipway runs, and a layer leaves it only through the grant-checked artifact
     * endpoint, so no other uid could read or change it here.
     */
    @Override
    public void sealShared(Path layer) {
    }

    @Override
    public void sealPrivate(Path layer) {
    }

    /** This Slipway's build pods (by its label and the build role), this run's or an earlier one's, and their policies. */
    @Override
    public int stopAll(String why) {
        int stopped = trusted.stopAll(why);
        Map<String, String> labels = Map.of(AppObjects.OWNER_LABEL, settings.owner(), BuildPods.ROLE_LABEL, BuildPods.ROLE);
        try {
            for (Pod pod : client.pods().inNamespace(namespace).withLabels(labels).list().getItems()) {
                client.pods().inNamespace(namespace).withName(pod.getMetadata().getName()).withGracePeriod(0).delete();
                LOG.info("deleted the build pod {} ({})", pod.getMetadata().getName(), why);
                stopped++;
            }
            for (var policy : client.network().v1().networkPolicies().inNamespace(namespace).withLabels(labels).list().getItems()) {
                client.network().v1().networkPolicies().inNamespace(namespace).withName(policy.getMetadata().getName()).delete();
            }
        } catch (KubernetesClientException e) {
            LOG.warn("cannot look for build pods to stop: {}", KubernetesSandboxRuntime.reason(e));
        }
        return stopped;
    }

    private static String hostForUrl(String host) {
        return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    private static BuildStepFailedException failed(BuildStep step, String how) {
        String why = step.description() + " " + how;
        step.log().event(why);
        return new BuildStepFailedException(why);
    }
}
