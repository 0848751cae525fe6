package io.slipway.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Who may call a private app: its owner, with a Slipway token, or a holder of one of its API keys. Keys are looked
 * up by the SHA-256 of their secret in memory, so the data plane checks them without blocking; the store is the
 * record, this index its copy, updated with every create and revoke.
 */
public final class AppAccess {
    public static final String KEY_PREFIX = "slw_";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final TokenService tokens;
    private final Map<String, String> appByKeyHash = new ConcurrentHashMap<>();

    public AppAccess(TokenService tokens) {
        this.tokens = tokens;
    }

    /** A new key's secret: shown to its creator once, never stored. */
    public static String newSecret() {
        byte[] bytes = new byte[24];
        RANDOM.nextBytes(bytes);
        return KEY_PREFIX + HexFormat.of().formatHex(bytes);
    }

    public static String hash(String secret) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public void keyAdded(String secretHash, String appId) {
        appByKeyHash.put(secretHash, appId);
    }

    public void keyRevoked(String secretHash) {
        appByKeyHash.remove(secretHash);
    }

    /** Whether {@code credential} (a Slipway token or an API key) lets its holder call the app. Never blocks. */
    public boolean mayCall(String credential, String appId, String owner) {
        if (credential == null || credential.isBlank()) return false;
        if (credential.startsWith(KEY_PREFIX)) return appId.equals(appByKeyHash.get(hash(credential)));
        try {
            return tokens.verify(credential).user().equals(owner);
        } catch (InvalidTokenException e) {
            return false;
        }
    }

    /** Whether {@code credential} is one of Slipway's own: such credentials are never forwarded to an app. */
    public boolean isSlipwayCredential(String credential) {
        if (credential.startsWith(KEY_PREFIX)) return appByKeyHash.containsKey(hash(credential));
        try {
            tokens.verify(credential);
            return true;
        } catch (InvalidTokenException e) {
            return false;
        }
    }
}
