package io.slipway.runtime;

import io.slipway.app.DataDir;
import io.slipway.app.Language;
import io.slipway.artifacts.LocalArtifactStore;
import io.slipway.testing.TestApps;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The test apps of {@link SandboxRuntimeContract}, by behaviour. The entry is the file a real runtime runs (the node
 * script of {@code src/test/resources/apps}, copied under that name) and the name by which the fake runtime picks its
 * simulation of it.
 */
public enum ContractApp {
    /** Answers every request with {@code {"env": {...}}}, the environment it was started with. */
    ENV("env.js", "env.js"),
    /** Logs {@code allocating until killed}, then allocates memory at start until it is killed for its limit. */
    HOG("hog.js", "hog.js"),
    /** Logs {@code fatal: DATABASE_URL is not set} and exits with code 3 at once. */
    CRASH("crash.js", "crash.js"),
    /** Answers; on SIGTERM logs {@code SIGTERM received, shutting down} and exits with code 0. */
    GRACEFUL("graceful.js", "graceful.js"),
    /** Answers; on SIGTERM logs {@code SIGTERM received, ignoring it} and runs on. */
    STUBBORN("stubborn.js", "stubborn.js"),
    /** {@code GET /lines?count=N} logs the next N lines {@code line <n> <80 dots>} and answers N once they are written. */
    NUMBERED("numbered.js", "numbered.js"),
    /**
     * Tries things on request and reports them as JSON: {@code /env} ({@code {env}}); {@code POST /dial} with a JSON
     * list of {@code {host, port}}, dialled at once, answering {@code {results: [{host, port, ok, code}]}};
     * {@code /fork?n=N}, answering {@code {spawned, failed}}. Any other path answers 200.
     */
    PROBE("probe.js", "hostile.js");

    private final String entry;
    private final String resource;

    ContractApp(String entry, String resource) {
        this.entry = entry;
        this.resource = resource;
    }

    public String entry() {
        return entry;
    }

    /**
     * The artifact of a real runtime: the app's node script written as its code layer into {@code
     * apps/<id>/builds/<hex>/code} of the data dir, where {@link io.slipway.artifacts.LocalArtifactStore} serves it,
     * readable by sandboxes that run as other uids. Its digest is the script's name and content.
     */
    public Artifact nodeScript(Path dataDir, String appId) {
        String source = TestApps.source(resource);
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest((entry + "\0\0" + source).getBytes(StandardCharsets.UTF_8));
            Layer layer = Layer.of(Layer.Kind.CODE, HexFormat.of().formatHex(digest));
            Path code = new LocalArtifactStore(new DataDir(dataDir)).build(appId, layer.hex()).resolve("code");
            Files.createDirectories(code);
            for (Path dir = code; dir.startsWith(dataDir); dir = dir.getParent()) {
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString(dir.equals(code) ? "rwxr-xr-x" : "rwx--x--x"));
            }
            Path file = code.resolve(entry);
            Files.writeString(file, source);
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
            return new Artifact(Language.NODE, entry, layer, Optional.empty());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
