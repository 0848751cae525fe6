package io.slipway.instances;

import io.slipway.instances.InstanceState.Restarting;
import io.slipway.runtime.Sandbox;
import io.slipway.runtime.SandboxObserver;
import io.slipway.runtime.SandboxRestart;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an instance does when the app of its sandbox is restarted under Slipway (a pod's container, by its kubelet): it
 * says so in the app's log, holds requests until the new process passes the readiness check, within the start timeout
 * as a start does, and then lets them through; a process that is not ready in time fails the instance as a failed
 * start does, its sandbox stopped. The transitions are {@link AppInstance}'s; this is the slow part between them. One
 * per started sandbox, as its {@link SandboxObserver}; each restart's wait for readiness runs on a virtual thread of
 * its own, since the runtime's thread must not block.
 */
final class RestartWatch implements SandboxObserver {
    private static final Logger LOG = LoggerFactory.getLogger(RestartWatch.class);

    private final AppInstance instance;
    private final Sandbox sandbox;
    private final ReadinessCheck readiness;
    private final Duration startTimeout;
    private final Supplier<String> logTail;
    /** The restarts told so far, each handled once the one before it was (guarded by this). */
    private java.util.concurrent.CompletableFuture<Void> told = java.util.concurrent.CompletableFuture.completedFuture(null);

    RestartWatch(AppInstance instance, Sandbox sandbox, ReadinessCheck readiness, Duration startTimeout, Supplier<String> logTail) {
        this.instance = instance;
        this.sandbox = sandbox;
        this.readiness = readiness;
        this.startTimeout = startTimeout;
        this.logTail = logTail;
    }

    /**
     * Off the runtime's thread, which must not block, and in the order the runtime tells restarts: each restart's
     * transition and log line run after the one before (a thread per restart could hold restart 2 before restart 1);
     * only its wait for readiness has a virtual thread of its own, so a later restart is not held behind it.
     */
    @Override
    public synchronized void restarted(SandboxRestart restart) {
        long seenAt = System.nanoTime();
        told = told.thenRunAsync(() -> {
            try {
                transition(restart, seenAt);
            } catch (RuntimeException e) {
                // A stage that failed would skip every later one: the next restart is still handled.
                LOG.warn("app {}: handling restart {} under Slipway failed", sandbox.appId(), restart.count(), e);
            }
        }, task -> Thread.ofVirtual().name("restart-" + sandbox.appId()).start(task));
    }

    private void transition(SandboxRestart restart, long seenAt) {
        String what = "restarted under Slipway (restart " + restart.count() + "): the app " + restart.previous().describe();
        LOG.info("app {} {}", sandbox.appId(), what);
        Optional<Restarting> restarting = instance.restarted(sandbox, seenAt);
        if (restarting.isEmpty()) {
            // Not running this sandbox: still starting it (its start's probe goes on, with its own deadline), already
            // waiting for an earlier restart (the same), or stopping it.
            instance.log(what);
            return;
        }
        instance.log(what + "; requests are held, waiting for it to " + readiness.waitsFor() + " again");
        Thread.ofVirtual().name("restart-probe-" + sandbox.appId()).start(() -> awaitReadyAgain(restart, restarting));
    }

    private void awaitReadyAgain(SandboxRestart restart, Optional<Restarting> restarting) {
        long t0 = System.nanoTime();
        try {
            StartProbe.awaitReady(sandbox, readiness, startTimeout, logTail);
        } catch (InstanceUnavailableException e) {
            instance.restartFailed(restarting.get(), InstanceUnavailableException.appFailed(
                    "after its restart under Slipway (restart " + restart.count() + "), " + e.getMessage(), null, e.logTail()));
            return;
        }
        long millis = (System.nanoTime() - t0) / 1_000_000;
        if (instance.readyAgain(restarting.get())) {
            instance.log("ready again in " + millis + " ms on " + sandbox.address());
            LOG.info("app {} ready again {} ms after restart {} under Slipway", sandbox.appId(), millis, restart.count());
        }
    }
}
