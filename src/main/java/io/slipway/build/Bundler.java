package io.slipway.build;

import io.slipway.app.DataDir;
import io.slipway.app.FileTrees;
import io.slipway.app.Language;
import io.slipway.logs.LogSink;
import io.slipway.runtime.BuildStep;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Bundles a Node app with its dependency set into one file at deploy, so that a wake loads one file instead of the
 * hundreds of module files its packages are (the TS SDK + express + zod: ~1,100): node spends most of such a start
 * finding, reading and compiling them. The bundle is the entry; the dependency set stays mounted beside it, so that
 * what the bundle cannot hold (a {@code require} of a computed name) is still found at run time.
 *
 * <p>Only where it is safe, else the app runs as uploaded, saying why in its build log: esbuild must bundle it without
 * error, and no bundled package may find files by its own location ({@code __dirname}, {@code __filename}, {@code
 * import.meta.url}, {@code require.resolve}), which in a bundle would name the bundle's directory. An ES module is
 * bundled as one, given a {@code require} of its own for the CommonJS packages in it.
 *
 * <p>esbuild runs as an untrusted build step, in the build sandbox: it reads the dependency set, whose files install
 * scripts wrote (a link in it to a file of the host must find nothing), and writes only a scratch directory.
 */
final class Bundler {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    /** The comment esbuild writes before each module of a bundle it does not minify: the module's path. */
    private static final Pattern MODULE_COMMENT = Pattern.compile("^// (\\S+\\.(?:js|cjs|mjs|json|ts|jsx|tsx))$");
    /** The package a module's path is in (the last {@code node_modules} of it), if it is in one. */
    private static final Pattern PACKAGE = Pattern.compile(".*node_modules/((?:@[^/]+/)?[^/]+)/");
    /** A declaration of {@code require} in the bundle, which an ES module's own {@code require} would clash with. */
    private static final Pattern DECLARES_REQUIRE = Pattern.compile("^\\s*(?:(?:const|let|var)\\s+require\\s*=|function\\s+require\\s*\\()");
    private static final Pattern LOCATION_USE = Pattern.compile("\\b__dirname\\b|\\b__filename\\b|import\\.meta\\.url|require\\.resolve\\b");
    private static final String ESM_REQUIRE = "import { createRequire as __slipwayCreateRequire } from 'node:module'; "
            + "const require = __slipwayCreateRequire(import.meta.url);";

    private final DataDir dataDir;
    private final Installer installer;
    private final Esbuild esbuild;

    Bundler(DataDir dataDir, Installer installer, Esbuild esbuild) {
        this.dataDir = dataDir;
        this.installer = installer;
        this.esbuild = esbuild;
    }

    /**
     * Bundles {@code module} (in {@code staged/code}) with the packages of {@code deps} into {@code <base>.bundle.cjs}
     * or {@code .mjs} beside it. Blocks.
     *
     * @return the bundle's name, relative to the code directory; empty when the app is better run as it is
     */
    Optional<String> bundle(Path staged, String module, Path deps, LogSink log) {
        Path code = staged.resolve("code");
        boolean esm = module.endsWith(".mjs");
        Path scratch;
        try {
            Files.createDirectories(dataDir.tmp());
            scratch = Files.createTempDirectory(dataDir.tmp(), "bundle-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            Path binary = esbuild.ensureInstalled(log);
            // The module and a link to the packages, as node finds them, in the one directory the step may read and write.
            Path copy = Files.createDirectories(scratch.resolve("code")).resolve(module);
            Files.copy(code.resolve(module), copy);
            Files.createSymbolicLink(scratch.resolve("node_modules"), deps.resolve("node_modules"));
            String out = "bundle." + (esm ? "mjs" : "cjs");
            List<String> command = new ArrayList<>(List.of(binary.toString(), "code/" + module, "--bundle", "--platform=node",
                    "--target=node20", "--format=" + (esm ? "esm" : "cjs"), "--outfile=" + scratch.resolve(out), "--log-level=error",
                    "--charset=utf8", "--legal-comments=none"));
            if (esm) command.add("--banner:js=" + ESM_REQUIRE);
            try {
                installer.run(new BuildStep("esbuild " + module + " (bundled with its packages)", Language.NODE, command, scratch,
                        Map.of("PATH", "/usr/bin:/bin"), List.of(deps, binary.getParent()), false, log, TIMEOUT));
            } catch (BuildFailedException e) {
                log.event("not bundled: esbuild could not bundle " + module + " with its packages (above); it runs as uploaded");
                return Optional.empty();
            }
            Path bundle = scratch.resolve(out);
            if (!Files.isRegularFile(bundle, LinkOption.NOFOLLOW_LINKS)) {
                log.event("not bundled: esbuild wrote no bundle; " + module + " runs as uploaded");
                return Optional.empty();
            }
            Optional<String> located = packageFindingFilesByItsLocation(bundle);
            if (located.isPresent()) {
                log.event("not bundled: " + located.get() + " finds files by its own location (__dirname, import.meta.url or "
                        + "require.resolve), which a bundle would change; " + module + " runs as uploaded");
                return Optional.empty();
            }
            if (esm && declaresRequire(bundle)) {
                log.event("not bundled: " + module + " declares a require of its own, which its bundle's would clash with; it runs as uploaded");
                return Optional.empty();
            }
            String name = module.substring(0, module.lastIndexOf('.')) + ".bundle." + (esm ? "mjs" : "cjs");
            Files.move(bundle, code.resolve(name), StandardCopyOption.REPLACE_EXISTING);
            log.event("entry " + name + ": " + module + " bundled with its packages (" + Files.size(code.resolve(name)) / 1024
                    + " KiB), so that a start reads one file");
            return Optional.of(name);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bundle " + module, e);
        } finally {
            FileTrees.deleteQuietly(scratch);
        }
    }

    /**
     * The first package in {@code bundle} (by esbuild's comment before each module) that uses its own location; the
     * app's own code may, as the bundle stays in its directory.
     */
    static Optional<String> packageFindingFilesByItsLocation(Path bundle) throws IOException {
        String current = null;
        try (BufferedReader lines = Files.newBufferedReader(bundle, StandardCharsets.UTF_8)) {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                Matcher module = MODULE_COMMENT.matcher(line);
                if (module.matches()) {
                    Matcher inPackage = PACKAGE.matcher(module.group(1));
                    current = inPackage.lookingAt() ? inPackage.group(1) : null;
                    continue;
                }
                if (current != null && LOCATION_USE.matcher(line).find()) return Optional.of(current);
            }
        }
        return Optional.empty();
    }

    /** Whether an ES module's bundle declares a {@code require} of its own, besides the one its first line gives it. */
    static boolean declaresRequire(Path bundle) throws IOException {
        try (BufferedReader lines = Files.newBufferedReader(bundle, StandardCharsets.UTF_8)) {
            lines.readLine();
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                if (DECLARES_REQUIRE.matcher(line).find()) return true;
            }
        }
        return false;
    }
}
