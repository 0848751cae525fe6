package io.slipway.runtime.process;

import io.slipway.app.Language;
import io.slipway.runtime.Sandbox;
import io.slipway.runtime.SandboxRuntime;
import io.slipway.runtime.SandboxSpec;
import io.slipway.runtime.SandboxStartException;
import io.slipway.sandbox.Bubblewrap;
import io.slipway.sandbox.HostTools;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs apps as child processes, under bubblewrap unless the sandbox was explicitly disabled. The app shares the
 * host's network namespace and listens on a free loopback port chosen here.
 */
public final class ProcessSandboxRuntime implements SandboxRuntime {
    /** The environment variable that labels every sandbox process with its Slipway instance and app. */
    static final String LABEL_VARIABLE = "SLIPWAY_SANDBOX";
    private static final Logger LOG = LoggerFactory.getLogger(ProcessSandboxRuntime.class);

    private final HostTools tools;
    private final boolean sandboxed;
    private final String label;

    /**
     * @param dataDir   the data dir this Slipway owns; its hash labels the sandboxes
     * @param sandboxed false only for {@code --unsafe-no-sandbox}
     */
    public ProcessSandboxRuntime(HostTools tools, Path dataDir, boolean sandboxed) {
        this.tools = tools;
        this.sandboxed = sandboxed;
        this.label = labelFor(dataDir);
    }

    @Override
    public String name() {
        return "process";
    }

    @Override
    public Sandbox start(SandboxSpec spec) {
        int port = freePort();
        Map<String, String> env = new LinkedHashMap<>(spec.env());
        env.put("PORT", Integer.toString(port));
        env.put("HOST", "127.0.0.1");
        env.put("NODE_ENV", "production");
        env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
        env.put("HOME", "/tmp");
        env.put("PYTHONUNBUFFERED", "1");
        List<String> command = sandboxed ? sandboxedCommand(spec, env) : program(spec, spec.appDir().resolve("code"), spec.depsDir());
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(spec.logFile().toFile()));
        pb.environment().clear();
        if (sandboxed) {
            pb.environment().put("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        } else {
            pb.environment().putAll(env);
            pb.directory(spec.appDir().resolve("code").toFile());
        }
        pb.environment().put(LABEL_VARIABLE, label + ":" + spec.appId());
        try {
            Files.createDirectories(spec.logFile().getParent());
            Process process = pb.start();
            return new ProcessSandbox(spec.appId(), new InetSocketAddress(InetAddress.getLoopbackAddress(), port), process, sandboxed);
        } catch (IOException e) {
            throw new SandboxStartException("cannot start the sandbox of " + spec.appId() + ": " + e.getMessage(), e);
        }
    }

    private List<String> sandboxedCommand(SandboxSpec spec, Map<String, String> env) {
        Bubblewrap bwrap = Bubblewrap.asHostUid(spec.hostUid()).readOnly(spec.appDir().resolve("code"), "/app/code")
                .env(env).chdir("/app/code");
        Path deps = null;
        if (spec.depsDir() != null) {
            switch (spec.language()) {
                case NODE -> bwrap.readOnly(spec.depsDir().resolve("node_modules"), "/app/node_modules");
                case PYTHON -> bwrap.readOnly(spec.depsDir().resolve("venv"), "/app/venv");
            }
            deps = Path.of("/app");
        }
        return bwrap.command(program(spec, Path.of("/app/code"), deps));
    }

    /** The interpreter command, with paths as the app sees them. */
    private List<String> program(SandboxSpec spec, Path code, Path deps) {
        List<String> program = new ArrayList<>();
        if (spec.language() == Language.NODE) {
            program.add(tools.node().toString());
        } else {
            program.add(deps != null ? deps.resolve("venv/bin/python").toString() : tools.python().toString());
            program.add("-u");
        }
        program.add(code.resolve(spec.entry()).toString());
        return program;
    }

    @Override
    public int reapOrphans() {
        String prefix = LABEL_VARIABLE + "=" + label + ":";
        int reaped = 0;
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path proc : (Iterable<Path>) procs::iterator) {
                String name = proc.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) continue;
                long pid = Long.parseLong(name);
                if (pid == ProcessHandle.current().pid() || !hasLabel(proc.resolve("environ"), prefix)) continue;
                ProcessHandle.of(pid).ifPresent(p -> {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                });
                LOG.info("reaped orphaned sandbox process {} from an earlier run", pid);
                reaped++;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot scan /proc for orphaned sandboxes", e);
        }
        return reaped;
    }

    private static boolean hasLabel(Path environ, String prefix) {
        try {
            for (String entry : new String(Files.readAllBytes(environ), StandardCharsets.UTF_8).split("\0")) {
                if (entry.startsWith(prefix)) return true;
            }
            return false;
        } catch (IOException | SecurityException e) {
            return false; // the process ended meanwhile, or is not ours to read
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }

    static String labelFor(Path dataDir) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(dataDir.toAbsolutePath().normalize().toString()
                    .getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
