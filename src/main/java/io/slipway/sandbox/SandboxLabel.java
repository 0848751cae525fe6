package io.slipway.sandbox;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Every process Slipway starts for untrusted code, apps and builds alike, carries {@code SLIPWAY_SANDBOX=<label>:<what>}
 * in its environment, the label naming the data dir. bubblewrap outlives a Slipway killed with SIGKILL, so the next
 * start on the same data dir finds what the earlier run left by this label and kills it.
 */
public final class SandboxLabel {
    public static final String VARIABLE = "SLIPWAY_SANDBOX";
    /** What builds are labelled with after the data dir's label: they belong to no app yet. */
    public static final String BUILD = "build";

    private SandboxLabel() {
    }

    /** The variable's value for {@code what} (an app id, or {@link #BUILD}) started under the data dir's {@code label}. */
    public static String value(String label, String what) {
        return label + ":" + what;
    }

    /** 16 hex digits of the SHA-256 of the data dir's absolute path. */
    public static String of(Path dataDir) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(dataDir.toAbsolutePath().normalize().toString()
                    .getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
