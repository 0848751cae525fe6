package io.slipway.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.Pod;
import io.slipway.logs.LogSink;
import io.slipway.runtime.Sandbox;
import io.slipway.runtime.SandboxExit;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One start of an app on Kubernetes: its slot's Deployment at one replica, whose pod (the one with this start's {@link
 * AppObjects#START_LABEL}) it follows through the runtime's pod informer ({@link #onPod}). Its address is its slot's
 * Service.
 *
 * <p>How the pod's life maps onto a sandbox's: an app container that ends before it was ever ready ends the sandbox
 * (a crash at start, told with its exit code); one that ends once ready and is restarted by the kubelet ends it too,
 * with that said (the next request starts a fresh pod); a crash loop, a pod that cannot fetch its layers, pull its image or
 * create its container, or a pod evicted or deleted behind Slipway's back ends it with Kubernetes's reason. An ended
 * sandbox's Deployment is scaled to zero, after its last lines reached the log.
 */
final class KubernetesSandbox implements Sandbox {
    private static final Logger LOG = LoggerFactory.getLogger(KubernetesSandbox.class);
    /** How long a stopped pod may take to report its end beyond its grace: the kubelet's and the API's delays. */
    private static final Duration REPORT_SLACK = Duration.ofSeconds(30);

    /** What the sandbox asks of its cluster. */
    interface Cluster {
        SocketAddress address(String service);

        void scale(String deployment, int replicas);

        void deletePod(String pod, Duration grace);

        /** The sandbox has ended: it need be told of no more pods. */
        void ended(KubernetesSandbox sandbox);
    }

    private final String appId;
    private final String name;
    private final String startId;
    private final Cluster cluster;
    private final LogSink log;
    private final PodLogs logs;
    private final CompletableFuture<SandboxExit> exited = new CompletableFuture<>();
    private volatile String pod;
    private boolean everReady;
    private int restartsSeen;
    private boolean stopping;
    private SandboxExit lastExit;

    KubernetesSandbox(String appId, String name, String startId, Cluster cluster, LogSink log, PodLogs logs) {
        this.appId = appId;
        this.name = name;
        this.startId = startId;
        this.cluster = cluster;
        this.log = log;
        this.logs = logs;
    }

    String name() {
        return name;
    }

    String startId() {
        return startId;
    }

    /** The pod that runs it, once the cluster made one. */
    Optional<String> pod() {
        return Optional.ofNullable(pod);
    }

    @Override
    public String appId() {
        return appId;
    }

    @Override
    public SocketAddress address() {
        return cluster.address(name);
    }

    @Override
    public CompletableFuture<SandboxExit> exited() {
        return exited;
    }

    /** What the informer saw of this start's pod: an addition or change, or its deletion. Called one event at a time. */
    synchronized void onPod(Pod update, boolean deleted) {
        if (exited.isDone()) return;
        if (pod == null) pod = update.getMetadata().getName();
        // Its log exists once its container has started; before, the API answers 400 (waiting to start).
        if (PodStates.started(update)) logs.follow(pod);
        PodStates.terminated(update).ifPresent(exit -> lastExit = exit);
        PodStates.lastTermination(update).ifPresent(exit -> { if (lastExit == null) lastExit = exit; });
        if (deleted) {
            end(stopping ? exitOr(new SandboxExit(137)) : new SandboxExit(137, false, Optional.of("its pod " + pod
                    + " was deleted behind Slipway's back (an operator, a drained node)")), !stopping);
            return;
        }
        if (stopping) {
            PodStates.terminated(update).ifPresent(exit -> end(exit, false));
            return;
        }
        Optional<SandboxExit> hopeless = PodStates.hopeless(update);
        if (hopeless.isPresent()) {
            end(hopeless.get(), true);
            return;
        }
        int restarts = PodStates.restarts(update);
        if (restarts > restartsSeen) {
            restartsSeen = restarts;
            SandboxExit previous = PodStates.lastTermination(update).orElse(new SandboxExit(137));
            if (!everReady) {
                end(previous, true);
                return;
            }
            // The kubelet restarted it in the same pod: the end of this sandbox, as a container the engine restarts is
            // under the docker runtime. The next request starts a fresh pod, whose readiness Slipway checks as at a wake.
            end(new SandboxExit(previous.exitCode(), previous.outOfMemory(), Optional.of("Kubernetes restarted its container (restart "
                    + restarts + ") after it " + previous.describe())), true);
            return;
        }
        if (PodStates.ready(update)) everReady = true;
        Optional<SandboxExit> terminated = PodStates.terminated(update);
        if (terminated.isPresent() && !everReady) end(terminated.get(), true);
    }

    private SandboxExit exitOr(SandboxExit fallback) {
        return lastExit == null ? fallback : lastExit;
    }

    /** Completes the exit; where the pod ended by itself, its last lines are read before its Deployment is scaled down. */
    private void end(SandboxExit exit, boolean scaleDown) {
        if (!exited.complete(exit)) return;
        cluster.ended(this);
        Thread.ofVirtual().name("end-" + name).start(() -> {
            logs.finish();
            if (scaleDown) {
                try {
                    cluster.scale(name, 0);
                } catch (RuntimeException e) {
                    LOG.warn("cannot scale {} to zero after its app ended: {}", name, e.getMessage());
                }
            }
        });
    }

    /**
     * Scales the Deployment to zero and deletes the pod with {@code grace}, which gives its app SIGTERM and SIGKILL once
     * the grace is over; returns once the pod reported its app's end or was removed.
     */
    @Override
    public SandboxExit stop(Duration grace) {
        String current;
        synchronized (this) {
            if (exited.isDone()) return exited.join();
            stopping = true;
            current = pod;
        }
        cluster.scale(name, 0);
        if (current != null) {
            cluster.deletePod(current, grace);
        } else {
            synchronized (this) {
                if (pod == null) end(new SandboxExit(143, false, Optional.of("stopped before Kubernetes gave it a pod")), false);
                else cluster.deletePod(pod, grace);
            }
        }
        try {
            return exited.get(grace.plus(REPORT_SLACK).toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            synchronized (this) {
                end(exitOr(new SandboxExit(137, false, Optional.of("its pod did not report its end within " + grace.plus(REPORT_SLACK).toSeconds()
                        + " s of its stop"))), false);
            }
            return exited.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping " + name, e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } finally {
            // The last lines follow on their own: a stop does not wait for the API's log stream to end.
            Thread.ofVirtual().name("end-logs-" + name).start(logs::finish);
        }
    }
}
