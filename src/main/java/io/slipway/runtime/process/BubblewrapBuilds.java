package io.slipway.runtime.process;

import io.slipway.config.BuildLimits;
import io.slipway.runtime.BuildStep;
import io.slipway.runtime.RegistryGateway;
import io.slipway.runtime.SandboxLimits;
import io.slipway.runtime.host.RegistryBridge;
import io.slipway.sandbox.HostTools;
import io.slipway.sandbox.SandboxLabel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Build steps under bubblewrap as the build uid, which can write only the step's work directory and the npm cache, in
 * control groups of their own ({@code build.memory}, {@code build.pids}, {@code build.cpus}) with a {@code /tmp} of at
 * most {@code build.tmpSize}. Their only way out is the registry proxy's unix socket, bridged to {@code 127.0.0.1:3128}
 * inside the step's own network namespace (a socket of the step's own, so that what the proxy refuses is said in the
 * step's log); without a proxy ({@code build.network: host}) they share the host's network. npm and pip trust the
 * host's roots ({@code PIP_CERT}, {@code NODE_EXTRA_CA_CERTS}): the egress may be a TLS-inspecting proxy whose root
 * only the host's bundle holds, and the environment of a step is its own (nothing is inherited). Trusted steps (a tool
 * Slipway pinned) run bare.
 */
public final class BubblewrapBuilds extends LocalBuilds {
    private static final int PROXY_PORT = RegistryBridge.PORT;
    // Inside the build's own network namespace: socat bridges 127.0.0.1:3128 to Slipway's registry proxy, and the
    // install starts once the bridge listens (at most ~5 s of 10 ms waits).
    private static final String PROXY_BRIDGE = "%s TCP4-LISTEN:" + PROXY_PORT + ",bind=127.0.0.1,fork,reuseaddr "
            + "UNIX-CONNECT:/run/registry-proxy.sock & i=0; until %s -u OPEN:/dev/null TCP4:127.0.0.1:" + PROXY_PORT
            + " 2>/dev/null; do i=$((i+1)); [ $i -gt 500 ] && break; sleep 0.01; done; exec \"$@\"";

    /** The host's trusted roots, which the sandbox sees at this path ({@code /etc/ssl/certs} is bound read-only). */
    private static final Path HOST_CERTIFICATES = Path.of("/etc/ssl/certs/ca-certificates.crt");

    private final int buildUid;
    private final BuildLimits limits;
    private final Path npmCache;
    private final RegistryGateway gateway;
    private final Path socat;
    /** Names each step's control groups: {@code slipway-<label>/build-<n>}. */
    private final AtomicLong steps = new AtomicLong();

    /**
     * @param label    the data dir's {@link SandboxLabel}
     * @param buildUid the host uid steps run as, claimed machine-wide
     * @param npmCache {@code build.npmCache}: the steps' npm cache is its {@code uid-<buildUid>} directory
     * @param gateway  the registry proxy, the builds' only way out; null: the host's network
     */
    public BubblewrapBuilds(String label, HostTools tools, int buildUid, BuildLimits limits, Path npmCache, RegistryGateway gateway) {
        super(label, tools);
        this.buildUid = buildUid;
        this.limits = limits;
        // One cache per build uid: another Slipway on this machine may build as another uid (UidClaims) with the same
        // build.npmCache, and npm cannot use entries another uid wrote (EACCES).
        this.npmCache = npmCache.resolve("uid-" + buildUid);
        this.gateway = gateway;
        this.socat = gateway == null ? null : tools.socat();
    }

    @Override
    public void run(BuildStep step) {
        // Labelled, and inside the sandbox too (bwrap clears the environment of what it runs): after a kill -9 of
        // Slipway, the sandbox's processes can outlive bwrap, and the next start finds them by this label.
        Map<String, String> label = Map.of(SandboxLabel.VARIABLE, SandboxLabel.value(this.label, SandboxLabel.BUILD));
        if (step.trusted()) {
            Map<String, String> env = new LinkedHashMap<>(step.env());
            env.putAll(label);
            StepProcess.run(step, step.command(), env, null);
            return;
        }
        try (RegistryGateway.WayOut wayOut = wayOut(step)) {
            runSandboxed(step, wayOut, label);
        }
    }

    private void runSandboxed(BuildStep step, RegistryGateway.WayOut wayOut, Map<String, String> label) {
        Map<String, String> env = new LinkedHashMap<>(step.env());
        env.put("npm_config_cache", "/cache");
        if (Files.isRegularFile(HOST_CERTIFICATES)) env.putAll(RegistryBridge.trusting(HOST_CERTIFICATES.toString()));
        env.putAll(label);
        handOver(step);
        Bubblewrap bwrap = Bubblewrap.asHostUid(buildUid).writable(step.workDir(), step.workDir().toString())
                .writable(npmCache, "/cache").chdir(step.workDir().toString()).tmpSize(limits.tmpSize().bytes());
        step.readOnly().forEach(p -> bwrap.readOnly(p, p.toString()));
        List<String> command = step.command();
        if (wayOut != null) {
            env.putAll(RegistryBridge.variables());
            bwrap.shareNetwork(false).writable(wayOut.socket(), "/run/registry-proxy.sock");
            command = new ArrayList<>(List.of("/bin/sh", "-c", PROXY_BRIDGE.formatted(socat, socat), "slipway-build"));
            command.addAll(step.command());
        }
        // Its own control groups, like an app's: an install script cannot take the machine's memory, processes or CPU.
        Cgroup cgroup = Cgroup.create(this.label, "build-" + steps.incrementAndGet(),
                new SandboxLimits(limits.memory(), limits.pids(), limits.cpus()));
        StepProcess.run(step, bwrap.env(env).command(command), label, cgroup);
    }

    /**
     * The step's own way out through the registry proxy, whose refusals go to the step's log, handed to the build uid;
     * null where steps share the host's network. Close it when the step is done.
     */
    public RegistryGateway.WayOut wayOut(BuildStep step) {
        if (gateway == null) return null;
        RegistryGateway.WayOut wayOut = gateway.open(step.log());
        try {
            Ownership.give(wayOut.socket(), buildUid, "rw-------");
            return wayOut;
        } catch (RuntimeException e) {
            wayOut.close();
            throw e;
        }
    }

    /**
     * Gives the step's work directory, and the npm cache, to the build uid, as it needs them before it runs; returns the
     * cache. For a runner that runs the steps as that uid elsewhere on this host (in containers), with these files.
     */
    public Path handOver(BuildStep step) {
        Ownership.giveTree(step.workDir(), buildUid, "rwx------", "rw-------");
        ownDirectory(npmCache, buildUid);
        return npmCache;
    }

    /** The host uid that steps run as. */
    public int buildUid() {
        return buildUid;
    }

    /** Whether steps share the host's network ({@code build.network: host}), having no registry proxy. */
    public boolean sharesHostNetwork() {
        return gateway == null;
    }

    /**
     * The step's {@link #wayOut way out}, bridged into the network namespace of the host process {@code pid} (a step's
     * container): the process to destroy when the step is done.
     */
    public Process bridgeInto(long pid, RegistryGateway.WayOut wayOut) {
        return RegistryBridge.into(pid, buildUid, wayOut.socket(), socat, Map.of(SandboxLabel.VARIABLE, SandboxLabel.value(label, SandboxLabel.BUILD)));
    }

    /** {@code build.memory}, {@code build.pids}, {@code build.cpus} and {@code build.tmpSize}. */
    public BuildLimits limits() {
        return limits;
    }

    /**
     * Also removes the steps' control groups that are left (a step killed mid-way), and the data dir's parent groups
     * once nothing else is in them: whichever runtime runs the apps, the builds' groups are this runner's to clean up.
     */
    @Override
    public int stopAll(String why) {
        int stopped = super.stopAll(why);
        if (Cgroup.version() != null) {
            // The steps just killed leave their groups once the kernel has reaped them: a moment, waited for here.
            Cgroup.removeLeftovers(label, name -> name.startsWith("build-"), stopped > 0 ? java.time.Duration.ofSeconds(5) : java.time.Duration.ZERO);
            Cgroup.removeParents(label);
        }
        return stopped;
    }

    /**
     * The npm cache: its entries are created by the build uid, so only the directory itself needs handing over; the
     * directory above it, shared by the caches of every build uid, is root's and only passable by others.
     */
    private static void ownDirectory(Path dir, int uid) {
        try {
            Files.createDirectories(dir.getParent());
            if (!Integer.valueOf(0).equals(Files.getAttribute(dir.getParent(), "unix:uid"))) Ownership.give(dir.getParent(), 0, "rwx--x--x");
            Files.createDirectories(dir);
            if (!Integer.valueOf(uid).equals(Files.getAttribute(dir, "unix:uid"))) Ownership.give(dir, uid, "rwx------");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot hand " + dir + " to uid " + uid, e);
        }
    }
}
