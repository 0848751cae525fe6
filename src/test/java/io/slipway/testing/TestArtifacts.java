package io.slipway.testing;

import io.slipway.app.DataDir;
import io.slipway.app.Language;
import io.slipway.artifacts.LocalArtifactStore;
import io.slipway.runtime.Artifact;
import io.slipway.runtime.Layer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Artifacts of test apps, laid out in a data dir as {@link io.slipway.artifacts.LocalArtifactStore} reads them: the
 * code at {@code apps/<id>/builds/<hex>/code/<entry>}, a dependency set at {@code deps/<language>/<hex>/…}. No build runs: the code
 * layer is the test app's source as it is.
 */
public final class TestArtifacts {
    private TestArtifacts() {
    }

    /** The test app {@code name} (under {@code src/test/resources/apps}) as the code of {@code appId}, without dependencies. */
    public static Artifact of(Path dataDir, String appId, String name) {
        return of(dataDir, appId, name, TestApps.source(name));
    }

    /**
     * The test app {@code name} with a comment naming the data dir and the app, so that its digest is its own: no image
     * or other artifact made of the same code by another test is taken for it.
     */
    public static Artifact unique(Path dataDir, String appId, String name) {
        String comment = name.endsWith(".py") ? "# " : "// ";
        return of(dataDir, appId, name, TestApps.source(name) + "\n" + comment + dataDir + " " + appId + "\n");
    }

    /**
     * {@code source} uploaded as {@code fileName}, with the code layer's digest as Slipway's build gives it (of the file's
     * name and content, no dependency set). The code directory holds the file as it is (a Python app's, or a Node app's
     * {@code .cjs}/{@code .mjs}).
     */
    public static Artifact asDeployed(Path dataDir, String appId, String fileName, String source) {
        return of(dataDir, appId, fileName, source);
    }

    private static Artifact of(Path dataDir, String appId, String name, String source) {
        Layer code = Layer.of(Layer.Kind.CODE, sha256(name + "\0\0" + source));
        write(new LocalArtifactStore(new DataDir(dataDir)).build(appId, code.hex()).resolve("code").resolve(name), source);
        Language language = name.endsWith(".py") ? Language.PYTHON : Language.NODE;
        return new Artifact(language, name, code, Optional.empty());
    }

    /**
     * The Python test app {@code name} with a dependency set that is a venv made on the host ({@code python3 -m venv},
     * without pip: no package is needed to tell that the venv is the one that runs).
     */
    public static Artifact withVenv(Path dataDir, String appId, String name) {
        Artifact code = of(dataDir, appId, name);
        String hex = sha256("venv for " + appId);
        Path venv = new DataDir(dataDir).deps(Language.PYTHON).resolve(hex).resolve("venv");
        run("/usr/bin/python3", "-m", "venv", "--without-pip", venv.toString());
        return new Artifact(Language.PYTHON, name, code.code(), Optional.of(Layer.of(Layer.Kind.DEPENDENCIES, hex)));
    }

    private static void write(Path file, String content) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
