package io.slipway.instances;

import io.slipway.app.App;
import io.slipway.instances.AppInstance.Replaced;
import io.slipway.runtime.Sandbox;
import io.slipway.runtime.SandboxExit;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A redeploy's new version of an app, started beside the version serving and ready ({@link Instances#startBeside}):
 * until {@link #promote} nothing of the version serving has changed, and requests still go to it. Promoted, it serves
 * every new request, while the exchanges open on the version it replaced finish there: that one is stopped once they
 * have ended, or at {@code instances.drainTimeout} (streams still open then are ended as at sleep, so that their
 * clients reconnect, to the new version). {@link #discard} stops it instead. One of the two, once. The transitions are
 * {@link AppInstance}'s; this is the slow part around them.
 */
public final class NewVersion {
    private static final Logger LOG = LoggerFactory.getLogger(NewVersion.class);

    private final AppInstance instance;
    private final App app;
    private final Sandbox sandbox;
    private final AtomicBoolean settled = new AtomicBoolean();

    private NewVersion(AppInstance instance, App app, Sandbox sandbox) {
        this.instance = instance;
        this.app = app;
        this.sandbox = sandbox;
    }

    /** Starts {@code app}'s sandbox in a slot of its own and waits for its readiness check. Blocks. */
    static NewVersion start(AppInstance instance, App app) {
        if (instance.retired()) throw InstanceUnavailableException.notFound();
        Instances owner = instance.owner();
        // The version serving runs here, or the app sleeps: either way its lease is this replica's to take or renew.
        owner.gate().claim(app.id());
        owner.reserveSlot(instance);
        Sandbox sandbox = null;
        long t0 = System.nanoTime();
        try {
            instance.log("starting the new version beside the one serving");
            sandbox = owner.runtime().start(owner.specFor(app));
            instance.others().add(sandbox);
            Supplier<String> logTail = () -> owner.log(app.id()).tail(2048);
            ReadinessCheck readiness = owner.readiness(app);
            sandbox.observe(new RestartWatch(instance, sandbox, readiness, owner.settings().startTimeout(), logTail));
            StartProbe.awaitReady(sandbox, readiness, owner.settings().startTimeout(), logTail);
            owner.inspect(app, sandbox);
            long millis = (System.nanoTime() - t0) / 1_000_000;
            instance.log("the new version is ready in " + millis + " ms on " + sandbox.address());
            owner.listener().onStart(app.id(), true, System.nanoTime() - t0);
            return new NewVersion(instance, app, sandbox);
        } catch (RuntimeException e) {
            owner.listener().onStart(app.id(), false, System.nanoTime() - t0);
            if (sandbox != null) {
                sandbox.stop(Duration.ZERO);
                instance.others().remove(sandbox);
            }
            owner.releaseSlot();
            InstanceUnavailableException why = e instanceof InstanceUnavailableException u ? u
                    : InstanceUnavailableException.appFailed("the sandbox could not be started: " + e.getMessage(), null, null);
            if (!(e instanceof InstanceUnavailableException)) LOG.warn("the new version of app {} could not be started", app.id(), e);
            instance.log("the new version did not start, the version serving goes on: " + why.getMessage());
            throw why;
        }
    }

    /**
     * Switches new requests to this version (a start of the old one under way is waited for first). Returns once
     * switched; the stage completes once the version replaced has stopped, when its files may go.
     */
    public CompletableFuture<Void> promote() {
        if (!settled.compareAndSet(false, true)) throw new IllegalStateException("the new version of " + app.id() + " was settled already");
        Optional<Replaced> replaced;
        try {
            replaced = instance.switchTo(app, sandbox);
        } catch (RuntimeException e) {
            stop();
            throw e;
        }
        instance.log("switched to the new version");
        LOG.info("app {} switched to its new version", app.id());
        if (replaced.isEmpty()) return CompletableFuture.completedFuture(null);
        CompletableFuture<Void> stopped = new CompletableFuture<>();
        Thread.ofVirtual().name("drain-" + app.id()).start(() -> {
            try {
                drainAndStop(replaced.get());
            } catch (RuntimeException e) {
                LOG.warn("app {}: the version replaced did not stop cleanly", app.id(), e);
            } finally {
                stopped.complete(null);
            }
        });
        return stopped;
    }

    /** Stops this version: it will not serve. */
    public void discard() {
        if (settled.compareAndSet(false, true)) stop();
    }

    private void stop() {
        try {
            sandbox.stop(Duration.ZERO);
        } finally {
            instance.others().remove(sandbox);
            instance.owner().releaseSlot();
        }
    }

    private void drainAndStop(Replaced replaced) {
        Instances owner = instance.owner();
        Exchanges exchanges = instance.exchanges();
        Duration within = owner.settings().drainTimeout();
        int open = exchanges.drain(replaced.running(), within);
        if (open > 0) {
            instance.log("the version replaced still has " + open + " exchanges open after " + within.toSeconds() + " s: ending them");
            exchanges.endForSleep(replaced.running());
        }
        try {
            SandboxExit exit = replaced.running().sandbox().stop(owner.settings().stopGrace());
            instance.log("the version replaced stopped (" + exit.describe() + ")");
        } finally {
            exchanges.sandboxGone(replaced.running());
            instance.others().remove(replaced.running().sandbox());
            if (replaced.heldSlot()) owner.releaseSlot();
        }
    }
}
