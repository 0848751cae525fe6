package io.slipway.build;

import io.slipway.config.BuildLimits;
import io.slipway.config.SlipwayConfig;
import io.slipway.runtime.SandboxLimits;
import io.slipway.runtime.process.Cgroup;
import io.slipway.sandbox.Bubblewrap;
import io.slipway.sandbox.HostTools;
import io.slipway.sandbox.Ownership;
import io.slipway.sandbox.SandboxLabel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs package installs ({@code npm install}, {@code python -m venv}, {@code pip install}) into one target directory.
 * With the sandbox on, they run under bubblewrap as the build uid, which can write only the target and the npm
 * cache and can reach the network (installs need the registry); install scripts of packages run only there, in
 * control groups of their own ({@code build.memory}, {@code build.pids}, {@code build.cpus}) with a {@code /tmp} of at
 * most {@code build.tmpSize}.
 */
final class Installer {
    private static final int PROXY_PORT = 3128;
    // Inside the build's own network namespace: socat bridges 127.0.0.1:3128 to Slipway's registry proxy, and the
    // install starts once the bridge listens (at most ~5 s of 10 ms waits).
    private static final String PROXY_BRIDGE = "%s TCP4-LISTEN:" + PROXY_PORT + ",bind=127.0.0.1,fork,reuseaddr "
            + "UNIX-CONNECT:/run/registry-proxy.sock & i=0; until %s -u OPEN:/dev/null TCP4:127.0.0.1:" + PROXY_PORT
            + " 2>/dev/null; do i=$((i+1)); [ $i -gt 500 ] && break; sleep 0.01; done; exec \"$@\"";
    private final SlipwayConfig config;
    private final HostTools tools;
    private final Path npmCache;
    private final RegistryProxy proxy;
    /** {@code SLIPWAY_SANDBOX=<label>:build}: what a later start kills if this run dies with a build in flight. */
    private final Map<String, String> label;
    private final String dataDirLabel;
    private final int buildUid;
    /** Names each build step's control groups: {@code slipway-<label>/build-<n>}. */
    private final java.util.concurrent.atomic.AtomicLong steps = new java.util.concurrent.atomic.AtomicLong();

    /**
     * @param proxy the builds' only way out, or null for builds on the host's network
     * @param label    the data dir's {@link SandboxLabel}
     * @param buildUid the host uid sandboxed installs run as
     */
    Installer(SlipwayConfig config, HostTools tools, Path npmCache, RegistryProxy proxy, String label, int buildUid) {
        this.buildUid = buildUid;
        this.config = config;
        this.tools = tools;
        this.npmCache = npmCache;
        this.proxy = proxy;
        this.label = Map.of(SandboxLabel.VARIABLE, SandboxLabel.value(label, SandboxLabel.BUILD));
        this.dataDirLabel = label;
    }

    private int buildUid() {
        return buildUid;
    }

    void npmInstall(Path target, List<String> specs, Path log) {
        writePackageJson(target);
        List<String> cmd = new ArrayList<>(List.of(tools.npm().toString(), "install", "--omit=dev", "--no-audit", "--no-fund",
                "--no-update-notifier", "--loglevel=warn", "--"));
        cmd.addAll(specs);
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
        env.put("HOME", "/tmp");
        // Unsandboxed installs run as root: they get a cache of their own, or their root-owned entries would make
        // every later sandboxed install, which runs as the build uid, fail with EACCES.
        env.put("npm_config_cache", sandboxed() ? "/cache" : npmCache.resolveSibling(npmCache.getFileName() + "-unsandboxed").toString());
        if (!config.build().npmRegistry().isBlank()) env.put("npm_config_registry", config.build().npmRegistry());
        run("npm install " + String.join(" ", specs), cmd, target, env, log, List.of());
    }

    void pipInstall(Path target, List<String> specs, Path log) {
        Path venv = target.resolve("venv");
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
        env.put("HOME", "/tmp");
        env.put("PIP_DISABLE_PIP_VERSION_CHECK", "1");
        env.put("PIP_NO_INPUT", "1");
        run("python -m venv", List.of(tools.python().toString(), "-m", "venv", venv.toString()), target, env, log, List.of());
        List<String> cmd = new ArrayList<>(List.of(venv.resolve("bin/python").toString(), "-m", "pip", "install", "--no-cache-dir"));
        List<Path> extraReadOnly = new ArrayList<>();
        var build = config.build();
        if (!build.pipIndexUrl().isBlank()) cmd.addAll(List.of("--index-url", build.pipIndexUrl()));
        if (!build.pipFindLinks().isBlank()) {
            cmd.addAll(List.of("--find-links", build.pipFindLinks()));
            Path local = Path.of(build.pipFindLinks().replaceFirst("^file://", ""));
            if (local.isAbsolute() && Files.isDirectory(local)) extraReadOnly.add(local);
        }
        if (build.pipOffline()) cmd.add("--no-index");
        cmd.add("--");
        cmd.addAll(specs);
        run("pip install " + String.join(" ", specs), cmd, target, env, log, extraReadOnly);
    }

    private boolean sandboxed() {
        return config.sandbox().enabled();
    }

    private void run(String step, List<String> program, Path target, Map<String, String> env, Path log, List<Path> readOnly) {
        // Labelled, and inside the sandbox too (bwrap clears the environment of what it runs): after a kill -9 of
        // Slipway, the sandbox's processes can outlive bwrap, and the next start finds them by this label.
        Map<String, String> labelled = new LinkedHashMap<>(env); // the build's environment, with the proxy's when it has one
        labelled.putAll(label);
        long logBytes = config.sandbox().logSize().bytes();
        if (!sandboxed()) {
            BuildCommand.run(step, program, target, labelled, log, config.build().timeout(), null, logBytes);
            return;
        }
        Ownership.giveTree(target, buildUid(), "rwx------", "rw-------");
        ownDirectory(npmCache, buildUid());
        // The target keeps its host path inside the sandbox, so paths that tools record (venv scripts) stay true.
        BuildLimits limits = config.build().limits();
        Bubblewrap bwrap = Bubblewrap.asHostUid(buildUid()).writable(target, target.toString())
                .writable(npmCache, "/cache").chdir(target.toString()).tmpSize(limits.tmpSize().bytes());
        readOnly.forEach(p -> bwrap.readOnly(p, p.toString()));
        List<String> command = program;
        if (proxy != null) {
            for (String name : List.of("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "npm_config_proxy", "npm_config_https_proxy")) {
                labelled.put(name, "http://127.0.0.1:" + PROXY_PORT);
            }
            bwrap.shareNetwork(false).writable(proxy.socket(), "/run/registry-proxy.sock");
            command = new ArrayList<>(List.of("/bin/sh", "-c", PROXY_BRIDGE.formatted(tools.socat(), tools.socat()), "slipway-build"));
            command.addAll(program);
        }
        // Its own control groups, like an app's: an install script cannot take the machine's memory, processes or CPU.
        Cgroup cgroup = Cgroup.create(dataDirLabel, "build-" + steps.incrementAndGet(),
                new SandboxLimits(limits.memory(), limits.pids(), limits.cpus()));
        BuildCommand.run(step, bwrap.env(labelled).command(command), target, label, log, config.build().timeout(), cgroup, logBytes);
    }

    private static void writePackageJson(Path target) {
        try {
            Files.writeString(target.resolve("package.json"), "{\"name\":\"slipway-deps\",\"version\":\"0.0.0\",\"private\":true}\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Gives a finished install to root, readable and not writable by every other uid: it is shared by apps. */
    static void sealReadOnly(Path root) {
        Ownership.giveTree(root, 0, "rwxr-xr-x", "rw-r--r--");
    }

    /** The npm cache: its entries are created by the build uid, so only the directory itself needs handing over. */
    private static void ownDirectory(Path dir, int uid) {
        try {
            Files.createDirectories(dir);
            if (!Integer.valueOf(uid).equals(Files.getAttribute(dir, "unix:uid"))) Ownership.give(dir, uid, "rwx------");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot hand " + dir + " to uid " + uid, e);
        }
    }
}
