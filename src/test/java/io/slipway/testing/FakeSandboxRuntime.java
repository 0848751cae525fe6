package io.slipway.testing;

import io.slipway.runtime.Leftovers;
import io.slipway.runtime.NetworkPolicy;
import io.slipway.runtime.Preflight;
import io.slipway.runtime.RuntimeCapabilities;
import io.slipway.runtime.Sandbox;
import io.slipway.runtime.SandboxRuntime;
import io.slipway.runtime.SandboxSpec;
import io.slipway.runtime.SandboxStartException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A <b>fake</b> {@link SandboxRuntime}, for tests of the lifecycle that need no root, no bubblewrap and no node. Each
 * sandbox is an app simulated in this JVM ({@link FakeSandbox}): an HTTP server on a loopback port of its own, whose
 * behaviour the artifact's entry names ({@code env.js}, {@code crash.js} …: {@link FakeApp}). Nothing is isolated:
 * limits and the network policy are simulated, and the simulation is what {@code SandboxRuntimeContract} checks on it
 * ({@code FakeSandboxRuntimeContractTest}), so that lifecycle tests on the fake meet the behaviour the real runtimes show.
 *
 * <p>Sandboxes outlive their runtime, as processes outlive a killed Slipway: they stay on the runtime's {@link Machine}
 * until stopped, and a new runtime over the same data dir on that machine reaps them ({@link #adoptOrReap}; the fake
 * never adopts). For tests: how many starts each app had ({@link #starts}), its sandbox ({@link #sandbox}), starts
 * held at the door ({@link #holdStarts}), and restarts of an app under Slipway ({@link FakeSandbox#restart}), which its
 * capabilities say this runtime has, as a kubelet restarts a pod's container. Thread-safe.
 */
public final class FakeSandboxRuntime implements SandboxRuntime {
    /** The simulated machine: the fake sandboxes alive on it, by data dir, whichever runtime started them. */
    public static final class Machine {
        private final Map<Path, Set<FakeSandbox>> live = new ConcurrentHashMap<>();

        Set<FakeSandbox> of(Path dataDir) {
            return live.computeIfAbsent(dataDir, d -> ConcurrentHashMap.newKeySet());
        }

        /** How many fake sandboxes of {@code dataDir} are alive. */
        public int liveCount(Path dataDir) {
            return (int) of(dataDir.toAbsolutePath().normalize()).stream().filter(FakeSandbox::isAlive).count();
        }
    }

    /** Starts held by {@link #holdStarts()}, until released. */
    public interface Hold extends AutoCloseable {
        /** Lets every held start, and every later one, through. */
        @Override
        void close();
    }

    private final Machine machine;
    private final Path dataDir;
    private final boolean internetEgress;
    private final Set<FakeSandbox> mine = ConcurrentHashMap.newKeySet();
    private final Map<String, AtomicInteger> starts = new ConcurrentHashMap<>();
    private final Map<String, List<FakeSandbox>> sandboxes = new ConcurrentHashMap<>();
    private volatile CompletableFuture<Void> door = CompletableFuture.completedFuture(null);
    private volatile boolean closed;

    /** A fake on a machine of its own, with internet egress (simulated). */
    public FakeSandboxRuntime(Path dataDir) {
        this(new Machine(), dataDir, true);
    }

    /** @param internetEgress whether {@link NetworkPolicy#INTERNET} is given (simulated) or refused, as a real runtime configured without egress does */
    public FakeSandboxRuntime(Machine machine, Path dataDir, boolean internetEgress) {
        this.machine = machine;
        this.dataDir = dataDir.toAbsolutePath().normalize();
        this.internetEgress = internetEgress;
    }

    @Override
    public String name() {
        return "fake";
    }

    /**
     * Isolated, as far as the simulation goes: what the fake's apps report is what isolation would allow. Its apps can be
     * restarted under Slipway, by a test ({@link FakeSandbox#restart}).
     */
    @Override
    public RuntimeCapabilities capabilities() {
        return new RuntimeCapabilities(internetEgress, false, true, true);
    }

    /**
     * Starts the simulated app, once the door is open ({@link #holdStarts}). Its entry's base name picks the behaviour;
     * an unknown one, or the internet where the fake gives none, cannot start.
     */
    @Override
    public Sandbox start(SandboxSpec spec) {
        if (closed) throw new IllegalStateException("the fake runtime is closed");
        starts.computeIfAbsent(spec.appId(), id -> new AtomicInteger()).incrementAndGet();
        awaitDoor(spec.appId());
        if (spec.network() == NetworkPolicy.INTERNET && !internetEgress) {
            throw new SandboxStartException("cannot start the sandbox of " + spec.appId() + ": this fake gives no internet egress", null);
        }
        FakeApp app = FakeApp.of(spec.artifact().entry()).orElseThrow(() -> new SandboxStartException(
                "cannot start the sandbox of " + spec.appId() + ": the fake has no app " + spec.artifact().entry(), null));
        FakeSandbox sandbox = FakeSandbox.start(spec, app);
        mine.add(sandbox);
        machine.of(dataDir).add(sandbox);
        sandbox.exited().whenComplete((exit, e) -> machine.of(dataDir).remove(sandbox));
        sandboxes.computeIfAbsent(spec.appId(), id -> new CopyOnWriteArrayList<>()).add(sandbox);
        return sandbox;
    }

    private void awaitDoor(String appId) {
        try {
            door.get(30, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new SandboxStartException("the start of " + appId + " was held for 30 s: a test never released it", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SandboxStartException("interrupted while the start of " + appId + " was held", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Removes every fake sandbox of this data dir on the machine that another runtime started: it never adopts. */
    @Override
    public Leftovers adoptOrReap(Set<String> knownApps) {
        int reaped = 0;
        for (FakeSandbox sandbox : machine.of(dataDir)) {
            if (!mine.contains(sandbox) && sandbox.isAlive()) {
                sandbox.kill();
                reaped++;
            }
        }
        return new Leftovers(0, reaped);
    }

    @Override
    public Preflight check() {
        return Preflight.passed();
    }

    /** Nothing to release; sandboxes still running stay on the machine, as a real runtime's processes would. */
    @Override
    public void close() {
        closed = true;
    }

    /** How many times {@link #start} was called for the app, held starts included. */
    public int starts(String appId) {
        AtomicInteger count = starts.get(appId);
        return count == null ? 0 : count.get();
    }

    /** The app's latest sandbox, if it ever had one. */
    public Optional<FakeSandbox> sandbox(String appId) {
        List<FakeSandbox> all = sandboxes.getOrDefault(appId, List.of());
        return all.isEmpty() ? Optional.empty() : Optional.of(all.getLast());
    }

    /** How many sandboxes of the app have not exited (two while a redeploy's new version starts beside the old). */
    public long running(String appId) {
        return sandboxes.getOrDefault(appId, List.of()).stream().filter(FakeSandbox::isAlive).count();
    }

    /** Whether the app has a sandbox that has not exited. */
    public boolean isRunning(String appId) {
        return sandboxes.getOrDefault(appId, List.of()).stream().anyMatch(FakeSandbox::isAlive);
    }

    /**
     * Holds every start from now on at the door (counted in {@link #starts}, not yet begun) until the hold is closed:
     * for tests of what happens while a start is under way.
     */
    public Hold holdStarts() {
        CompletableFuture<Void> held = new CompletableFuture<>();
        door = held;
        return () -> held.complete(null);
    }
}
