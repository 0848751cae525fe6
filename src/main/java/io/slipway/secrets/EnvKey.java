package io.slipway.secrets;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * One 256-bit AES key for apps' env, and its id: the first 8 hex digits of a SHA-256 of the key, stored beside every
 * ciphertext so that the key it needs is found among several during a rotation. The id reveals nothing usable of the
 * key and may be logged; the key itself never is ({@link #toString} shows the id only).
 */
public final class EnvKey {
    private static final HexFormat HEX = HexFormat.of();
    private static final java.util.regex.Pattern HEX_KEY = java.util.regex.Pattern.compile("[0-9a-fA-F]{64}");

    private final byte[] bytes;
    private final String id;

    private EnvKey(byte[] bytes) {
        if (bytes.length != 32) throw new IllegalArgumentException("an env key is 256 bits, not " + bytes.length * 8);
        this.bytes = bytes.clone();
        this.id = idOf(this.bytes);
    }

    /** A new key from the system's secure random source. */
    public static EnvKey random() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return new EnvKey(bytes);
    }

    /**
     * A key written as 64 hex digits or as base64 of 32 bytes ({@code openssl rand -base64 32}).
     *
     * @param what names the setting or file in the error, which never echoes the text
     * @throws IllegalArgumentException when the text is neither, or not 256 bits
     */
    public static EnvKey parse(String text, String what) {
        String t = text.strip();
        if (HEX_KEY.matcher(t).matches()) return new EnvKey(HEX.parseHex(t));
        byte[] decoded;
        try {
            decoded = (t.indexOf('-') >= 0 || t.indexOf('_') >= 0 ? Base64.getUrlDecoder() : Base64.getDecoder()).decode(t);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + " must be a 256-bit key as 64 hex digits or base64 (openssl rand -base64 32); "
                    + "it is neither (" + t.length() + " characters)", e);
        }
        if (decoded.length != 32) {
            throw new IllegalArgumentException(what + " must be a 256-bit key as 64 hex digits or base64 (openssl rand -base64 32); "
                    + "it holds " + decoded.length * 8 + " bits");
        }
        return new EnvKey(decoded);
    }

    public String id() {
        return id;
    }

    /** The key as 64 hex digits: how it is written to a key file. */
    public String hex() {
        return HEX.formatHex(bytes);
    }

    SecretKey secretKey() {
        return new SecretKeySpec(bytes, "AES");
    }

    private static String idOf(byte[] key) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update("slipway env key id\0".getBytes(StandardCharsets.UTF_8));
            return HEX.formatHex(sha.digest(key), 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EnvKey other && MessageDigest.isEqual(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "EnvKey[" + id + "]";
    }
}
