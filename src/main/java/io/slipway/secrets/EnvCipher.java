package io.slipway.secrets;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;

/**
 * Seals an app's env (its JSON text) with the current key and opens what the current or a previous key sealed.
 * A sealed value is {@code enc:v1:<key id>:<base64url of nonce ‖ ciphertext ‖ tag>}: AES-256-GCM with a random 96-bit
 * nonce and a 128-bit tag, the app's id bound as associated data, so that a value copied into another app's row does
 * not open there. Thread-safe.
 */
public final class EnvCipher {
    private static final String PREFIX = "enc:v1:";
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final Base64.Encoder BASE64 = Base64.getUrlEncoder().withoutPadding();

    private final EnvKey current;
    private final Map<String, EnvKey> byId = new LinkedHashMap<>();
    private final SecureRandom random = new SecureRandom();

    /** @param previous keys that may still have sealed some rows: they open, never seal */
    public EnvCipher(EnvKey current, Collection<EnvKey> previous) {
        this.current = current;
        byId.put(current.id(), current);
        for (EnvKey key : previous) {
            EnvKey known = byId.putIfAbsent(key.id(), key);
            if (known != null && !known.equals(key)) {
                throw new IllegalArgumentException("two different env keys share the id " + key.id() + ": replace one of them");
            }
        }
    }

    public EnvKey current() {
        return current;
    }

    /** The ids of every key that opens: the current one first. */
    public List<String> keyIds() {
        return List.copyOf(byId.keySet());
    }

    /** Whether {@code stored} is a sealed value rather than env written before encryption (plain JSON). */
    public static boolean isSealed(String stored) {
        return stored.startsWith(PREFIX);
    }

    /** Whether {@code stored} is sealed with the current key, so that re-encryption can leave it as it is. */
    public boolean sealedWithCurrent(String stored) {
        return stored.startsWith(PREFIX + current.id() + ":");
    }

    public String seal(String appId, String plaintext) {
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        try {
            Cipher aes = Cipher.getInstance("AES/GCM/NoPadding");
            aes.init(Cipher.ENCRYPT_MODE, current.secretKey(), new GCMParameterSpec(TAG_BITS, nonce));
            aes.updateAAD(associatedData(appId));
            byte[] sealed = aes.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
            return PREFIX + current.id() + ":" + BASE64.encodeToString(ByteBuffer.allocate(nonce.length + sealed.length).put(nonce).put(sealed).array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM failed to seal the env of app " + appId + ": " + e.getMessage(), e);
        }
    }

    /**
     * The plaintext {@link #seal} was given for {@code appId}.
     *
     * @throws UnreadableEnv when the value names a key that is not configured, or does not authenticate under it (altered,
     *                       or sealed for another app); the message names the app and the key id, never a value
     */
    public String open(String appId, String stored) {
        if (!isSealed(stored)) throw new UnreadableEnv("the env of app " + appId + " is not a sealed value");
        int colon = stored.indexOf(':', PREFIX.length());
        if (colon < 0) throw new UnreadableEnv("the env of app " + appId + " is a sealed value without a key id");
        String keyId = stored.substring(PREFIX.length(), colon);
        EnvKey key = byId.get(keyId);
        if (key == null) {
            throw new UnreadableEnv("the env of app " + appId + " is sealed with env key " + keyId + ", which is not configured (keys here: "
                    + String.join(", ", byId.keySet()) + "); give it as secrets.envKey or in secrets.previousEnvKeys");
        }
        byte[] box;
        try {
            box = Base64.getUrlDecoder().decode(stored.substring(colon + 1));
        } catch (IllegalArgumentException e) {
            throw new UnreadableEnv("the env of app " + appId + " is a sealed value that is not base64", e);
        }
        if (box.length < NONCE_BYTES + TAG_BITS / 8) throw new UnreadableEnv("the env of app " + appId + " is a sealed value cut short");
        try {
            Cipher aes = Cipher.getInstance("AES/GCM/NoPadding");
            aes.init(Cipher.DECRYPT_MODE, key.secretKey(), new GCMParameterSpec(TAG_BITS, box, 0, NONCE_BYTES));
            aes.updateAAD(associatedData(appId));
            return new String(aes.doFinal(box, NONCE_BYTES, box.length - NONCE_BYTES), StandardCharsets.UTF_8);
        } catch (AEADBadTagException e) {
            throw new UnreadableEnv("the env of app " + appId + " does not authenticate under env key " + keyId
                    + ": it was altered, or sealed for another app", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM failed to open the env of app " + appId + ": " + e.getMessage(), e);
        }
    }

    private static byte[] associatedData(String appId) {
        return ("slipway env v1\0" + appId).getBytes(StandardCharsets.UTF_8);
    }

    /** An env that no configured key opens. */
    public static final class UnreadableEnv extends IllegalStateException {
        UnreadableEnv(String message) {
            super(message);
        }

        UnreadableEnv(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
