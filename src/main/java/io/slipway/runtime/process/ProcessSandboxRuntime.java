package io.slipway.runtime.process;

import io.slipway.runtime.host.AppStorage;
import io.slipway.runtime.host.HostUids;
import io.slipway.app.DataDir;
import io.slipway.config.SlipwayConfig.SandboxSettings;
import io.slipway.runtime.Artifact;
import io.slipway.runtime.Leftovers;
import io.slipway.runtime.NetworkPolicy;
import io.slipway.runtime.Preflight;
import io.slipway.runtime.RuntimeCapabilities;
import io.slipway.runtime.Sandbox;
import io.slipway.runtime.SandboxRuntime;
import io.slipway.runtime.SandboxSpec;
import io.slipway.runtime.SandboxStartException;
import io.slipway.runtime.host.SandboxNetwork;
import io.slipway.sandbox.HostTools;
import io.slipway.sandbox.SandboxLabel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs apps as child processes under bubblewrap, each as a host uid of its own, in cgroups, on a network of its own.
 *
 * <p>A sandboxed app has a network namespace of its own, joined to the host by a veth pair ({@link SandboxNetwork}): it
 * listens on port 8000 of all its interfaces ({@code HOST=0.0.0.0}), the proxy connects to it at its own address, and it
 * cannot open a connection to Slipway, other apps or any service of the host. ({@link UnsandboxedRuntime} is the
 * same without any of it.)
 */
public final class ProcessSandboxRuntime implements SandboxRuntime {
    static final int SANDBOX_PORT = 8000;
    private static final long OPEN_FILES = hardOpenFilesLimit();
    private static final Logger LOG = LoggerFactory.getLogger(ProcessSandboxRuntime.class);
    /** Where the launcher finds its tools: the PATH it runs with ({@link #startSandboxed}). */
    private static final String TOOL_DIRS = "/usr/sbin:/usr/bin:/sbin:/bin";
    /** The host tools a sandboxed start runs, with the Debian package of each. */
    private static final Map<String, String> SANDBOX_TOOLS = new java.util.TreeMap<>(Map.of("bwrap", "bubblewrap", "setpriv", "util-linux",
            "nsenter", "util-linux", "ip", "iproute2", "iptables", "iptables", "ip6tables", "iptables", "mkfs.ext4", "e2fsprogs", "mount", "mount"));

    private final HostTools tools;
    private final DataDir dataDir;
    private final SandboxSettings settings;
    private final LocalLayers layers;
    private final HostUids uids;
    private final AppStorage storage;
    private final String label;
    private final SandboxNetwork network;
    private final boolean egress;
    private final Path egressResolvConf;
    // Per app, the clean-up of its last sandbox (its cgroups' removal), which its next start waits for.
    private final CgroupNames cgroupNames = new CgroupNames();

    /** Installs the sandboxes' firewall (and with {@code sandbox.egress = nat}, NAT); {@link #close()} removes them. */
    /** @param uids the apps' host uids, which this runtime gives out and releases */
    public ProcessSandboxRuntime(HostTools tools, DataDir dataDir, SandboxSettings settings, LocalLayers layers, HostUids uids) {
        this.tools = tools;
        this.layers = layers;
        this.uids = uids;
        this.dataDir = dataDir;
        this.settings = settings;
        this.label = SandboxLabel.of(dataDir.root());
        this.storage = AppStorage.of(dataDir);
        boolean nat = settings.egress() == SandboxSettings.Egress.NAT;
        this.egress = nat;
        this.network = SandboxNetwork.setUp(label, settings.egressSubnet(), nat);
        this.egressResolvConf = nat && !settings.egressDns().isEmpty() ? writeResolvConf(dataDir, settings.egressDns()) : null;
    }

    /** The host's resolver is often on a private or loopback address, which sandboxes may not reach. */
    private static Path writeResolvConf(DataDir dataDir, String dns) {
        try {
            Path file = dataDir.root().resolve("egress-resolv.conf");
            Files.writeString(file, "nameserver " + dns + "\n");
            Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the sandboxes' resolv.conf", e);
        }
    }

    @Override
    public String name() {
        return "process";
    }

    /** Nothing restarts an app under Slipway here: the app is its sandbox's process, whose end, however it comes, is the sandbox's. */
    @Override
    public RuntimeCapabilities capabilities() {
        return new RuntimeCapabilities(egress, true, true, false);
    }

    /** The app's {@code /data} is mounted for the sandbox ({@link AppStorage}) and unmounted after its last process ended. */
    @Override
    public Sandbox start(SandboxSpec spec) {
        Path data = null;
        try {
            if (spec.limits().hasStorage()) data = storage.attach(spec.appId(), uids.uidOf(spec.appId()), spec.limits().storage());
            ProcessSandbox sandbox = startSandboxed(spec, data);
            if (data != null) sandbox.cleanedUp().whenComplete((done, e) -> storage.detach(spec.appId()));
            return sandbox;
        } catch (IOException | RuntimeException e) {
            if (data != null) storage.detach(spec.appId());
            throw new SandboxStartException("cannot start the sandbox of " + spec.appId() + ": " + e.getMessage(), e);
        }
    }

    /** @param data the app's {@code /data} on the host, or null for none */
    private ProcessSandbox startSandboxed(SandboxSpec spec, Path data) throws IOException {
        Map<String, String> env = AppProcesses.environment(spec, "0.0.0.0", SANDBOX_PORT);
        // Inside too, not only on the launcher: bubblewrap's own init can outlive a killed Slipway and its outer bwrap,
        // and the next start's reaper finds the app's processes by this label.
        env.put(SandboxLabel.VARIABLE, SandboxLabel.value(label, spec.appId()));
        boolean internet = spec.network() == NetworkPolicy.INTERNET;
        if (internet && !egress) {
            throw new IllegalStateException("the app may reach the internet, but sandbox.egress is none on this Slipway");
        }
        Artifact artifact = spec.artifact();
        int uid = uids.uidOf(spec.appId());
        Path code = layers.directory(spec.appId(), artifact.code());
        giveCode(code, uid);
        Bubblewrap bwrap = Bubblewrap.asHostUid(uid).shareNetwork(false).tmpSize(settings.tmpSize().bytes())
                .readOnly(code, "/app/code").env(env).envFromStdin().chdir("/app/code");
        if (data != null) bwrap.writable(data, "/data");
        if (internet && egressResolvConf != null) bwrap.readOnly(egressResolvConf, "/etc/resolv.conf");
        artifact.dependencies().ifPresent(deps -> bwrap.readOnly(layers.directory(spec.appId(), deps), switch (artifact.language()) {
            case NODE -> "/app/node_modules";
            case PYTHON -> "/app/venv";
        }));
        List<String> program = artifact.command(tools.node().toString(), tools.python().toString());
        CgroupNames.Reserved name = cgroupNames.reserve(spec.appId());
        Cgroup cgroup;
        try {
            cgroup = Cgroup.create(label, name.name(), spec.limits());
        } catch (RuntimeException e) {
            name.free();
            throw e;
        }
        // The launcher joins the cgroups, still as root, then becomes setpriv, then bwrap: no process of the app ever
        // runs outside its limits. As many open files as the hard limit allows: an app may hold a connection per client (SSE, WebSockets).
        // A number, not $(ulimit -Hn): a subshell would be a child process, mistaken for the sandbox's first one.
        String openFiles = OPEN_FILES > 0 ? "ulimit -n " + OPEN_FILES + " 2>/dev/null; " : "";
        ProcessBuilder pb = new ProcessBuilder(cgroup.launch(openFiles, bwrap.command(program)));
        pb.environment().clear();
        pb.environment().put("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        Process process;
        try {
            process = AppProcesses.launch(pb, spec, label);
        } catch (IOException | RuntimeException e) {
            cgroup.remove();
            name.free();
            throw e;
        }
        try (var stdin = process.getOutputStream()) {
            stdin.write(bwrap.environmentArguments());
        } catch (IOException e) {
            // bwrap ended before it read its variables: the app never ran, and its exit is what the start reports below.
            LOG.debug("app {}: bwrap ended before it read its variables: {}", spec.appId(), e.getMessage());
        }
        SandboxNetwork.Link link;
        try {
            link = network.attach(firstProcessInside(process), internet);
        } catch (RuntimeException e) {
            if (exitedWithin(process, 1000)) {
                // The app exited at once and took its namespace with it: what matters is its exit, which the lifecycle
                // reports (with its log). Port 0 of 0.0.0.0 refuses every connection: nothing is ever reached there.
                ProcessSandbox dead = new ProcessSandbox(spec.appId(), new InetSocketAddress("0.0.0.0", 0), process, cgroup);
                name.until(dead.cleanedUp());
                return dead;
            }
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            cgroup.remove();
            name.free();
            throw e;
        }
        ProcessSandbox sandbox = new ProcessSandbox(spec.appId(), new InetSocketAddress(link.sandboxAddress(), SANDBOX_PORT), process, cgroup);
        sandbox.exited().whenComplete((exit, e) -> network.detach(link));
        name.until(sandbox.cleanedUp());
        return sandbox;
    }

    private static boolean exitedWithin(Process process, long millis) {
        try {
            return process.waitFor(millis, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * bwrap's child: the first process in the sandbox's namespaces, alive as long as the sandbox. It appears a few
     * milliseconds after bwrap starts; a bwrap that exits first has failed, and says why in the app's log.
     */
    private static long firstProcessInside(Process bwrap) {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            var child = bwrap.toHandle().children().findFirst();
            if (child.isPresent()) return child.get().pid();
            if (!bwrap.isAlive()) throw new IllegalStateException("bubblewrap exited with code " + bwrap.exitValue() + " (see the app's log)");
            try {
                Thread.sleep(1); // polling the kernel's process table, which has no notification for new children
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while the sandbox started", e);
            }
        }
        throw new IllegalStateException("bubblewrap started no sandbox within 10 s");
    }

    /**
     * The app's code is readable by its uid alone and writable by nobody but root. Handed over at the first start after
     * a deploy (the build leaves it to root), or after the app moved to another uid; a look at the directory's owner
     * otherwise.
     */
    private static void giveCode(Path code, int uid) throws IOException {
        if (!Integer.valueOf(uid).equals(Files.getAttribute(code, "unix:uid", java.nio.file.LinkOption.NOFOLLOW_LINKS))) {
            Ownership.giveTree(code, uid, "r-x------", "r--------");
        }
    }

    @Override
    public void forget(String appId) {
        storage.delete(appId);
        uids.release(appId);
    }

    @Override
    public java.util.OptionalLong storageUsed(String appId) {
        return storage.used(appId);
    }

    /**
     * Removes every process an earlier run left, whatever app it ran: a child process cannot be adopted by a new
     * parent, and every app comes back asleep after a restart anyway.
     */
    @Override
    public Leftovers adoptOrReap(java.util.Set<String> knownApps) {
        int reaped = LabelledProcesses.kill(label, entry -> true, "left by an earlier run");
        if (Cgroup.version() != null) Cgroup.removeLeftovers(label);
        int unmounted = storage.reapLeftovers(knownApps);
        if (unmounted > 0) LOG.info("unmounted the /data of {} apps, left mounted by an earlier run", unmounted);
        int released = uids.retainOnly(knownApps);
        if (released > 0) LOG.info("released the uids of {} apps deleted while Slipway was down", released);
        return new Leftovers(0, reaped);
    }

    /**
     * The host tools every start runs ({@value #TOOL_DIRS}), a writable cgroup hierarchy, and the firewall
     * {@link SandboxNetwork#check() as it was installed}.
     */
    @Override
    public Preflight check() {
        List<String> problems = new ArrayList<>(hostProblems());
        problems.addAll(network.check());
        return new Preflight(problems);
    }

    /**
     * What this host lacks for sandboxes, before any runtime is made: the tools every sandboxed start runs
     * ({@value #TOOL_DIRS}) and a writable cgroup hierarchy. Empty when nothing is missing.
     */
    public static List<String> hostProblems() {
        List<String> problems = new ArrayList<>();
        SANDBOX_TOOLS.forEach((tool, debianPackage) -> {
            if (Stream.of(TOOL_DIRS.split(":")).noneMatch(dir -> Files.isExecutable(Path.of(dir, tool)))) {
                problems.add(tool + " is missing from " + TOOL_DIRS + ", so no sandbox can start: run 'apt-get install " + debianPackage + "'");
            }
        });
        if (Cgroup.version() == null) {
            problems.add("no writable cgroup hierarchy under /sys/fs/cgroup, so apps' memory, processes and CPU cannot be limited: "
                    + "run Slipway as root on a machine with cgroups");
        }
        return problems;
    }

    /**
     * Unmounts the apps' {@code /data} still mounted, removes the egress firewall and NAT, if this runtime installed them,
     * and its cgroup parents. Call after every sandbox stopped.
     */
    @Override
    public void close() {
        storage.unmountAll();
        network.tearDown();
        if (Cgroup.version() != null) {
            Cgroup.removeLeftovers(label);
            Cgroup.removeParents(label);
        }
    }

    /** The hard limit on open files that Slipway runs under, which sandboxes may raise their soft limit to; 0 if unknown. */
    private static long hardOpenFilesLimit() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    String hard = line.substring("Max open files".length()).trim().split("\\s+")[1];
                    return hard.equals("unlimited") ? 1 << 20 : Long.parseLong(hard);
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("cannot read the open files limit: {}", e.toString());
        }
        return 0;
    }
}
