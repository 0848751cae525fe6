package io.slipway.build;

import io.slipway.logs.LogSink;
import io.slipway.app.FileTrees;
import io.slipway.app.DataDir;
import io.slipway.app.Language;
import io.slipway.app.Transport;
import io.slipway.config.SlipwayConfig;
import io.slipway.artifacts.LocalArtifactStore;
import io.slipway.runtime.BuildRunner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * Builds an upload into a staged app directory: the source is written and read for imports of files beside it (which
 * are refused: Slipway runs one file), TypeScript transpiled, a stdio server given {@link StdioBridge}, the dependency
 * set ensured. Nothing outside {@code tmp/}
 * changes until {@link #commit}; a failed build deletes its staging.
 */
public final class AppBuilder {
    private final DataDir dataDir;
    private final BuildRunner runner;
    private final LocalArtifactStore artifacts;
    private final DependencySets dependencySets;
    private final Esbuild esbuild;
    private final NodeEntry nodeEntry;
    /** Bundles Node apps with their packages, where safe; null when {@code build.bundle} is off. */
    private final Bundler bundler;

    /**
     * @param artifacts where built code goes
     * @param runner    runs the build steps, confined as the runtime confines them
     */
    public AppBuilder(SlipwayConfig config, DataDir dataDir, LocalArtifactStore artifacts, BuildRunner runner) {
        this.dataDir = dataDir;
        this.artifacts = artifacts;
        this.runner = runner;
        Installer installer = new Installer(config, runner);
        this.dependencySets = new DependencySets(dataDir, installer);
        this.esbuild = new Esbuild(dataDir, installer, config.build().esbuildVersion());
        this.nodeEntry = new NodeEntry(esbuild);
        this.bundler = config.build().bundle() ? new Bundler(dataDir, installer, esbuild) : null;
    }

    private volatile BuildListener buildListener = BuildListener.NONE;

    public DependencySets dependencySets() {
        return dependencySets;
    }

    /**
     * Kills the installs still running (at shutdown), or left running by an earlier run (at start); returns how many.
     *
     * @param why what Slipway's log says of them
     */
    public int stopBuilds(String why) {
        return runner.stopAll(why);
    }

    /** Installs the pinned tools ahead of the first Node upload. Blocks. */
    public void prepareTools(LogSink log) {
        esbuild.ensureInstalled(log);
    }

    /**
     * @param transport how the app talks to its clients: a stdio server runs behind {@link StdioBridge}
     * @param fileName the uploaded file's name, already validated (no path, a known extension)
     * @throws BuildFailedException with the log's tail when a step fails
     * @throws LocalImportException when the file imports files beside it, before any requirement is installed
     */
    public BuiltCode build(Language language, Transport transport, String fileName, byte[] source, List<String> requirements, LogSink log) {
        long t0 = System.nanoTime();
        boolean built = false;
        try {
            BuiltCode code = stage(language, transport, fileName, source, requirements, log);
            built = true;
            return code;
        } finally {
            buildListener.ended(language, built, System.nanoTime() - t0);
        }
    }

    /** Who hears of every build's end (metrics); {@link BuildListener#NONE} until set. */
    public void observeBuilds(BuildListener listener) {
        this.buildListener = listener;
    }

    private BuiltCode stage(Language language, Transport transport, String fileName, byte[] source, List<String> requirements, LogSink log) {
        Path staged;
        try {
            Files.createDirectories(dataDir.tmp());
            staged = Files.createTempDirectory(dataDir.tmp(), "build-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            Path code = Files.createDirectories(staged.resolve("code"));
            Path uploaded = code.resolve(fileName);
            Files.write(uploaded, source);
            String entry = switch (language) {
                case NODE -> nodeEntry.prepare(code, uploaded, staged.resolve("esbuild"), transport, log);
                case PYTHON -> preparePython(code, fileName, source, transport, log);
            };
            if (requirements.isEmpty()) return new BuiltCode(staged, entry, null, codeDigest(fileName, source, null, transport, false));
            Path deps = dependencySets.ensure(language, requirements, log);
            try {
                // Outside a sandbox, node finds packages by walking up from the code: apps/<id>/node_modules.
                if (language == Language.NODE) Files.createSymbolicLink(staged.resolve("node_modules"), deps.resolve("node_modules"));
            } catch (IOException | RuntimeException e) {
                dependencySets.release(deps.getFileName().toString());
                throw e;
            }
            String depsKey = deps.getFileName().toString();
            boolean bundled = false;
            if (language == Language.NODE && bundler != null && bundlable(entry)) {
                var bundle = bundler.bundle(staged, entry, deps, log);
                bundled = bundle.isPresent();
                entry = bundle.orElse(entry);
            }
            return new BuiltCode(staged, entry, depsKey, codeDigest(fileName, source, depsKey, transport, bundled));
        } catch (IOException e) {
            FileTrees.deleteQuietly(staged);
            throw new UncheckedIOException("cannot stage the build", e);
        } catch (RuntimeException e) {
            FileTrees.deleteQuietly(staged);
            throw e;
        }
    }

    /**
     * Moves staged code into place as one of the app's builds ({@link LocalArtifactStore#putBuild}), beside those already
     * there, and ends the build's hold on its dependency set: store the app before the next {@link DependencySets#sweep}.
     * The code is root's and readable by nobody else until a runtime hands it to what runs the app.
     */
    public void commit(BuiltCode built, String appId) {
        try {
            place(built, appId);
        } finally {
            release(built);
        }
    }

    /**
     * Moves staged code into place as {@link #commit} does, but keeps the build's hold on its dependency set, so that a
     * redeploy can start it before it is stored; {@link #release} ends the hold once it is stored, or dropped.
     */
    public void place(BuiltCode built, String appId) {
        runner.sealPrivate(built.staged());
        artifacts.putBuild(appId, built.codeHash(), built.staged());
    }

    /** Ends a {@link #place placed} build's hold on its dependency set. */
    public void release(BuiltCode built) {
        if (built.depsKey() != null) dependencySets.release(built.depsKey());
    }

    /** Drops a build that will not be committed. */
    public void discard(BuiltCode built) {
        FileTrees.deleteQuietly(built.staged());
        if (built.depsKey() != null) dependencySets.release(built.depsKey());
    }

    private static String preparePython(Path code, String fileName, byte[] source, Transport transport, LogSink log) throws IOException {
        List<String> relative = PythonImports.relative(new String(source, StandardCharsets.UTF_8));
        if (!relative.isEmpty()) throw new LocalImportException(fileName, relative);
        return transport == Transport.STDIO ? StdioBridge.write(code, Language.PYTHON, fileName, log) : fileName;
    }

    /**
     * Whether the entry is the app's own module, which may be bundled: not Slipway's server around a stdio server or a
     * Workers-style module, which load the module apart.
     */
    private static boolean bundlable(String entry) {
        return (entry.endsWith(".cjs") || entry.endsWith(".mjs")) && !entry.equals(WorkersShim.FILE_NAME) && !entry.startsWith("slipway-");
    }

    /**
     * The code layer's digest: what names the build's directory, which holds the file under its name, what the build
     * made of it (with {@link StdioBridge} for a stdio server, or a bundle with its packages), and (for Node) the link to
     * its dependency set. The build is pinned, so the same five give the same files; an HTTP app's unbundled digest is
     * what it was before transports and bundles.
     */
    static String codeDigest(String fileName, byte[] source, String depsKey, Transport transport, boolean bundled) {
        String bridged = (transport == Transport.STDIO ? "stdio\0" : "") + (bundled ? "bundle\0" : "");
        byte[] name = (bridged + fileName + "\0" + (depsKey == null ? "" : depsKey) + "\0").getBytes(StandardCharsets.UTF_8);
        byte[] all = java.util.Arrays.copyOf(name, name.length + source.length);
        System.arraycopy(source, 0, all, name.length, source.length);
        return sha256(all);
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
