package io.slipway.manifests;

import io.slipway.testing.Commands;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Renders a kustomization as {@code kubectl apply -k} would. The renderer of record is kustomize itself at a pinned
 * version, built from the Go module proxy once per build directory into {@code target/tools/}, since a kubectl embeds
 * whichever kustomize it was released with (Debian's, 1.20, embeds kustomize v2.0.3) and may not be installed at all.
 * {@code kubectl} on PATH is used only where no Go toolchain is found, and otherwise to cross-check the pinned renderer
 * ({@link #kubectl()}). Every run waits for its command with a deadline.
 */
final class Kustomize {
    /**
     * The newest kustomize whose module builds on this machine's Go 1.26: v5.8.3 needs kustomize/api v0.21.3, whose
     * go.mod asks for Go 1.27.
     */
    static final String VERSION = "v5.8.2";
    private static final String MODULE = "sigs.k8s.io/kustomize/kustomize/v5";
    private static final Path TOOLS = Path.of("target", "tools", "kustomize-" + VERSION).toAbsolutePath();
    /** A cold module cache downloads some 60 modules; a warm one builds in a few seconds. */
    private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(10);
    private static final Duration RENDER_TIMEOUT = Duration.ofMinutes(1);

    private final List<String> command;

    private Kustomize(List<String> command) {
        this.command = command;
    }

    /** The pinned kustomize, built first when this build directory has none, else kubectl when there is no Go. */
    static Kustomize ofRecord() {
        Optional<Path> go = go();
        if (go.isPresent()) return new Kustomize(List.of(built(go.get()).toString(), "build"));
        return kubectl().orElseThrow(() -> new IllegalStateException("cannot render deploy/kubernetes: neither go (to build kustomize "
                + VERSION + ", e.g. /usr/local/go/bin/go) nor kubectl is installed"));
    }

    /**
     * {@code kubectl kustomize}, when kubectl is on PATH and not hidden with {@code -Dslipway.test.kubectl=false} (which
     * runs the tests as on a machine without it).
     */
    static Optional<Kustomize> kubectl() {
        if ("false".equals(System.getProperty("slipway.test.kubectl"))) return Optional.empty();
        return onPath("kubectl").map(kubectl -> new Kustomize(List.of(kubectl.toString(), "kustomize")));
    }

    /** The rendered objects, as one multi-document YAML text; fails with the renderer's own message. */
    String render(Path kustomization) {
        List<String> build = Stream.concat(command.stream(), Stream.of(kustomization.toString())).toList();
        Commands.Result result = Commands.run(build, Path.of("target").toAbsolutePath(), RENDER_TIMEOUT);
        if (result.exitCode() != 0) {
            throw new AssertionError(String.join(" ", build) + " exited with " + result.exitCode() + ": " + result.stderr());
        }
        return result.stdout();
    }

    @Override
    public String toString() {
        return String.join(" ", command);
    }

    private static Path built(Path go) {
        Path binary = TOOLS.resolve("kustomize");
        if (Files.isExecutable(binary) && Commands.run(List.of(binary.toString(), "version"), TOOLS, RENDER_TIMEOUT).stdout().contains(VERSION)) {
            return binary;
        }
        try {
            Files.createDirectories(TOOLS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // GOTOOLCHAIN=local: a module asking for a newer Go fails here, rather than making go fetch a toolchain. The
        // module and build caches are the build directory's too (writable, so that a clean removes them): nothing of
        // the test is left in the machine's home.
        Path go0 = TOOLS.getParent().resolve("go");
        Commands.Result install = Commands.run(List.of(go.toString(), "install", MODULE + "@" + VERSION), TOOLS,
                Map.of("GOBIN", TOOLS.toString(), "GOTOOLCHAIN", "local", "GOPATH", go0.toString(),
                        "GOMODCACHE", go0.resolve("mod").toString(), "GOCACHE", go0.resolve("cache").toString(), "GOFLAGS", "-modcacherw"),
                BUILD_TIMEOUT);
        if (install.exitCode() != 0 || !Files.isExecutable(binary)) {
            throw new AssertionError("go install " + MODULE + "@" + VERSION + " exited with " + install.exitCode() + ": " + install.stderr());
        }
        return binary;
    }

    private static Optional<Path> go() {
        return onPath("go").or(() -> Optional.of(Path.of("/usr/local/go/bin/go")).filter(Files::isExecutable));
    }

    private static Optional<Path> onPath(String tool) {
        String path = System.getenv().getOrDefault("PATH", "");
        return Stream.of(path.split(File.pathSeparator)).filter(dir -> !dir.isEmpty()).map(dir -> Path.of(dir, tool))
                .filter(Files::isExecutable).findFirst();
    }
}
