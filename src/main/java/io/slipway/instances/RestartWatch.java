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
 * per started sandbox, as its {@link SandboxObserver}; each restart is handled on a virtual thread of its own, since the
 * runtime's thread must not block.
 */
final class RestartWatch implements SandboxObserver {
    private static final Logger LOG = LoggerFactory.getLogger(RestartWatch.class);

    private final AppInstance instance;
    private final Sandbox sandbox;
    private final ReadinessCheck readiness;
    private final Duration startTimeout;
    private final Supplier<String> logTail;

    RestartWatch(AppInstance instance, Sandbox sandbox, ReadinessCheck readiness, Duration startTimeout, Supplier<String> logTail) {
        this.instance = instance;
        this.sandbox = sandbox;
        this.readiness = readiness;
        this.startTimeout = startTimeout;
        this.logTail = logTail;
    }

    @Override
    public void restarted(SandboxRestart restart) {
        long seenAt = System.nanoTime();
        Thread.ofVirtual().name("restart-" + sandbox.appId()).start(() -> handle(restart, seenAt));
    }

    private void handle(SandboxRestart restart, long seenAt) {
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
