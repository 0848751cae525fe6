package io.slipway.runtime;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One content-addressed piece of an app, as a runtime receives it: its built code or its dependency set. The digest
 * names the content, so two layers with one digest are interchangeable and a runtime may cache what it made of one
 * (an image layer, an unpacked directory) under it. A code layer's digest is that of the uploaded file (its name and
 * content) and of the dependency set it runs with, which the pinned build turns into the same code every time; a
 * dependency set's is that of its inputs (language and normalised
 * requirements), since package installs are not reproducible byte for byte.
 *
 * @param kind   what the layer holds, which says where it appears in the sandbox ({@code /app/code},
 *               {@code /app/node_modules} or {@code /app/venv})
 * @param digest {@code sha256:} and 64 lowercase hex digits
 */
public record Layer(Kind kind, String digest) {
    private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");

    public enum Kind { CODE, DEPENDENCIES }

    public Layer {
        Objects.requireNonNull(kind, "kind");
        if (digest == null || !DIGEST.matcher(digest).matches()) throw new IllegalArgumentException("not a sha256 digest: " + digest);
    }

    /** A layer named by the 64 hex digits of a SHA-256, as the build records them. */
    public static Layer of(Kind kind, String sha256Hex) {
        return new Layer(kind, "sha256:" + sha256Hex);
    }

    /** The 64 hex digits alone, for names where a colon does not fit (directories, image tags). */
    public String hex() {
        return digest.substring("sha256:".length());
    }
}
