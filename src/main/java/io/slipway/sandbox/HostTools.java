package io.slipway.sandbox;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The interpreters apps and builds run on. They must live under {@code /usr}, the only part of the host a sandbox
 * sees: a {@code python3} on PATH may be a pyenv shim in {@code /root}, so the system interpreter is used. A missing
 * tool is reported when an app needs it, naming the Debian package to install.
 */
public final class HostTools {
    private final Path node;
    private final Path npm;
    private final Path python;
    private final Path socat;

    private HostTools(Path node, Path npm, Path python, Path socat) {
        this.node = node;
        this.npm = npm;
        this.python = python;
        this.socat = socat;
    }

    public static HostTools find() {
        return new HostTools(first("/usr/bin/node", "/usr/local/bin/node"), first("/usr/bin/npm", "/usr/local/bin/npm"),
                first("/usr/bin/python3", "/usr/local/bin/python3"), first("/usr/bin/socat", "/usr/local/bin/socat"));
    }

    /** Bridges the proxy's unix socket to the app's port inside the sandbox's own network namespace. */
    public Path socat() {
        return require(socat, "socat", "socat");
    }

    public Path node() {
        return require(node, "node", "nodejs");
    }

    public Path npm() {
        return require(npm, "npm", "npm");
    }

    public Path python() {
        return require(python, "python3", "python3 python3-venv");
    }

    private static Path first(String... candidates) {
        for (String c : List.of(candidates)) {
            if (Files.isExecutable(Path.of(c))) return Path.of(c);
        }
        return null;
    }

    private static Path require(Path tool, String name, String debianPackages) {
        if (tool == null) {
            throw new IllegalStateException(name + " is not installed under /usr; install the Debian package(s): " + debianPackages);
        }
        return tool;
    }
}
