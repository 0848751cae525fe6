package io.slipway.runtime.process;

import io.slipway.config.BuildLimits;
import io.slipway.runtime.BuildStep;
import io.slipway.runtime.SandboxLimits;
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
 * inside the step's own network namespace; without a proxy ({@code build.network: host}) they share the host's network.
 * Trusted steps (a tool Slipway pinned) run bare.
 */
public final class BubblewrapBuilds extends LocalBuilds {
    private static final int PROXY_PORT = 3128;
    // Inside the build's own network namespace: socat bridges 127.0.0.1:3128 to Slipway's registry proxy, and the
    // install starts once the bridge listens (at most ~5 s of 10 ms waits).
    private static final String PROXY_BRIDGE = "%s TCP4-LISTEN:" + PROXY_PORT + ",bind=127.0.0.1,fork,reuseaddr "
            + "UNIX-CONNECT:/run/registry-proxy.sock & i=0; until %s -u OPEN:/dev/null TCP4:127.0.0.1:" + PROXY_PORT
            + " 2>/dev/null; do i=$((i+1)); [ $i -gt 500 ] && break; sleep 0.01; done; exec \"$@\"";
    private static final List<String> PROXY_VARIABLES = List.of("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy",
            "npm_config_proxy", "npm_config_https_proxy");

    private final int buildUid;
    private final BuildLimits limits;
    private final Path npmCache;
    private final Path proxySocket;
    private final Path socat;
    /** Names each step's control groups: {@code slipway-<label>/build-<n>}. */
    private final AtomicLong steps = new AtomicLong();

    /**
     * @param label       the data dir's {@link SandboxLabel}
     * @param buildUid    the host uid steps run as, claimed machine-wide
     * @param npmCache    {@code build.npmCache}: the steps' npm cache is its {@code uid-<buildUid>} directory
     * @param proxySocket the registry proxy's socket, the builds' only way out; null: the host's network
     * @param socat       the host's socat, which bridges the proxy's socket inside the step's network namespace
     */
    public BubblewrapBuilds(String label, int buildUid, BuildLimits limits, Path npmCache, Path proxySocket, Path socat) {
        super(label);
        this.buildUid = buildUid;
        this.limits = limits;
        // One cache per build uid: another Slipway on this machine may build as another uid (UidClaims) with the same
        // build.npmCache, and npm cannot use entries another uid wrote (EACCES).
        this.npmCache = npmCache.resolve("uid-" + buildUid);
        this.proxySocket = proxySocket;
        this.socat = socat;
        if (proxySocket != null) Ownership.give(proxySocket, buildUid, "rw-------");
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
        Map<String, String> env = new LinkedHashMap<>(step.env());
        env.put("npm_config_cache", "/cache");
        env.putAll(label);
        Ownership.giveTree(step.workDir(), buildUid, "rwx------", "rw-------");
        ownDirectory(npmCache, buildUid);
        Bubblewrap bwrap = Bubblewrap.asHostUid(buildUid).writable(step.workDir(), step.workDir().toString())
                .writable(npmCache, "/cache").chdir(step.workDir().toString()).tmpSize(limits.tmpSize().bytes());
        step.readOnly().forEach(p -> bwrap.readOnly(p, p.toString()));
        List<String> command = step.command();
        if (proxySocket != null) {
            PROXY_VARIABLES.forEach(name -> env.put(name, "http://127.0.0.1:" + PROXY_PORT));
            bwrap.shareNetwork(false).writable(proxySocket, "/run/registry-proxy.sock");
            command = new ArrayList<>(List.of("/bin/sh", "-c", PROXY_BRIDGE.formatted(socat, socat), "slipway-build"));
            command.addAll(step.command());
        }
        // Its own control groups, like an app's: an install script cannot take the machine's memory, processes or CPU.
        Cgroup cgroup = Cgroup.create(this.label, "build-" + steps.incrementAndGet(),
                new SandboxLimits(limits.memory(), limits.pids(), limits.cpus()));
        StepProcess.run(step, bwrap.env(env).command(command), label, cgroup);
    }

    /**
     * Also removes the steps' control groups that are left (a step killed mid-way), and the data dir's parent groups
     * once nothing else is in them: whichever runtime runs the apps, the builds' groups are this runner's to clean up.
     */
    @Override
    public int stopAll(String why) {
        int stopped = super.stopAll(why);
        if (Cgroup.version() != null) {
            Cgroup.removeLeftovers(label, name -> name.startsWith("build-"));
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
