package io.slipway.runtime.process;

import io.slipway.app.DataDir;
import io.slipway.app.Language;
import io.slipway.runtime.Artifact;
import io.slipway.runtime.Leftovers;
import io.slipway.runtime.Preflight;
import io.slipway.runtime.RuntimeCapabilities;
import io.slipway.runtime.Sandbox;
import io.slipway.runtime.SandboxRuntime;
import io.slipway.runtime.SandboxSpec;
import io.slipway.runtime.SandboxStartException;
import io.slipway.sandbox.HostTools;
import io.slipway.sandbox.SandboxLabel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code --unsafe-no-sandbox}: apps run as plain child processes with Slipway's own rights and network, each on a free
 * loopback port. Nothing is isolated or limited ({@link RuntimeCapabilities#isolated()} is false), so nothing is
 * checked; it exists for development on machines where bubblewrap cannot run, and for code its operator trusts.
 */
public final class UnsandboxedRuntime implements SandboxRuntime {
    private final HostTools tools;
    private final LocalLayers layers;
    private final String label;

    public UnsandboxedRuntime(HostTools tools, DataDir dataDir, LocalLayers layers) {
        this.tools = tools;
        this.layers = layers;
        this.label = SandboxLabel.of(dataDir.root());
    }

    @Override
    public String name() {
        return "process";
    }

    @Override
    public RuntimeCapabilities capabilities() {
        return new RuntimeCapabilities(true, false, false, false);
    }

    @Override
    public Sandbox start(SandboxSpec spec) {
        try {
            int port = freePort();
            Path code = layers.directory(spec.appId(), spec.artifact().code());
            ProcessBuilder pb = new ProcessBuilder(program(spec.appId(), spec.artifact(), code)).directory(code.toFile());
            pb.environment().clear();
            pb.environment().putAll(AppProcesses.environment(spec, "127.0.0.1", port));
            var address = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
            return new ProcessSandbox(spec.appId(), address, AppProcesses.launch(pb, spec, label), null);
        } catch (IOException | RuntimeException e) {
            throw new SandboxStartException("cannot start " + spec.appId() + ": " + e.getMessage(), e);
        }
    }

    /** The interpreter command with the layers' host paths: node finds packages in the app's dir, beside its code. */
    private List<String> program(String appId, Artifact artifact, Path code) {
        List<String> program = new ArrayList<>();
        if (artifact.language() == Language.NODE) {
            program.add(tools.node().toString());
        } else {
            program.add(artifact.dependencies().map(d -> layers.directory(appId, d).resolve("bin/python").toString())
                    .orElse(tools.python().toString()));
            program.add("-u");
        }
        program.add(code.resolve(artifact.entry()).toString());
        return program;
    }

    /** Kills what an earlier run left, found by label: a child process cannot be adopted. */
    @Override
    public Leftovers adoptOrReap(Set<String> knownApps) {
        return new Leftovers(0, LabelledProcesses.kill(label, entry -> true, "left by an earlier run"));
    }

    /** Nothing is promised, so nothing is checked. */
    @Override
    public Preflight check() {
        return Preflight.passed();
    }

    @Override
    public void close() {
        // nothing was set up on the host
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }

}
