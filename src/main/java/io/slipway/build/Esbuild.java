package io.slipway.build;

import io.slipway.logs.LogSink;
import io.slipway.app.FileTrees;
import io.slipway.app.DataDir;
import io.slipway.runtime.BuildStep;
import io.slipway.logs.LogFiles;
import io.slipway.app.Language;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The pinned esbuild, installed once from npm into {@code tools/esbuild-<version>} and then used as its native binary
 * to transpile TypeScript and to read what every Node upload imports and exports. Module syntax is preserved: ESM stays
 * ESM, CommonJS stays CommonJS.
 */
final class Esbuild {
    private static final Duration TRANSPILE_TIMEOUT = Duration.ofSeconds(30);

    private final DataDir dataDir;
    private final Installer installer;
    private final String version;

    /** @param installer installs esbuild, and runs it, a trusted tool, once installed */
    Esbuild(DataDir dataDir, Installer installer, String version) {
        this.dataDir = dataDir;
        this.installer = installer;
        this.version = version;
    }

    /** Installs esbuild unless present. Blocks; safe to call from several threads. */
    synchronized Path ensureInstalled(LogSink log) {
        Path home = dataDir.tools().resolve("esbuild-" + version);
        Optional<Path> existing = binary(home);
        if (existing.isPresent()) return existing.get();
        Path work;
        try {
            Files.createDirectories(dataDir.tmp());
            work = Files.createTempDirectory(dataDir.tmp(), "esbuild-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            installer.npmInstall(work, List.of("esbuild@" + version), log);
            installer.sealShared(work);
            Files.createDirectories(home.getParent());
            try {
                Files.move(work, home, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException raced) {
                FileTrees.deleteQuietly(work);
            }
        } catch (IOException e) {
            FileTrees.deleteQuietly(work);
            throw new UncheckedIOException("cannot install esbuild " + version, e);
        } catch (RuntimeException e) {
            FileTrees.deleteQuietly(work);
            throw e;
        }
        return binary(home).orElseThrow(() -> new BuildFailedException(
                "esbuild " + version + " installed without a native binary for this platform", log.tail(LogFiles.DEFAULT_TAIL_BYTES)));
    }

    void transpile(Path source, Path output, LogSink log) {
        run("esbuild " + source.getFileName(), List.of(source.toString(), "--outfile=" + output, "--platform=node", "--target=node20",
                "--log-level=warning", "--charset=utf8"), source.getParent(), log);
    }

    /**
     * What esbuild makes of {@code js}, the file node will run. Two passes, neither of which resolves an import or reads
     * another file: the first keeps the module syntax, and its metafile says whether the file is an ES module (import or
     * export statements, {@code import.meta}, top-level {@code await}); the second bundles in that format with every import
     * external, and its metafile lists the imports and exports that remain once types and dead code are gone. Writes
     * only into {@code scratch}.
     *
     * @throws BuildFailedException when esbuild cannot read the file, with its messages in the log's tail
     */
    ModuleFacts analyze(Path js, Path scratch, LogSink log) {
        String name = js.getFileName().toString();
        Path syntax = scratch.resolve("syntax.json");
        run("esbuild " + name + " (module syntax)", List.of(js.toString(), "--outfile=" + scratch.resolve("syntax.js"), "--platform=node",
                "--log-level=error", "--metafile=" + syntax), scratch, log);
        boolean esm = ModuleFacts.isEsm(syntax);
        Path imports = scratch.resolve("imports.json");
        run("esbuild " + name + " (imports)", List.of(js.toString(), "--bundle", "--external:*", "--format=" + (esm ? "esm" : "cjs"),
                "--outfile=" + scratch.resolve("imports.js"), "--platform=node", "--log-level=error", "--metafile=" + imports), scratch, log);
        return ModuleFacts.read(esm, imports);
    }

    private void run(String description, List<String> arguments, Path workDir, LogSink log) {
        List<String> command = new ArrayList<>(List.of(ensureInstalled(log).toString()));
        command.addAll(arguments);
        installer.run(new BuildStep(description, Language.NODE, command, workDir, Map.of("PATH", "/usr/bin:/bin"), List.of(), true,
                log, TRANSPILE_TIMEOUT));
    }

    private static Optional<Path> binary(Path home) {
        Path platforms = home.resolve("node_modules/@esbuild");
        if (!Files.isDirectory(platforms)) return Optional.empty();
        try (Stream<Path> dirs = Files.list(platforms)) {
            return dirs.map(d -> d.resolve("bin/esbuild")).filter(Files::isExecutable).findFirst();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
