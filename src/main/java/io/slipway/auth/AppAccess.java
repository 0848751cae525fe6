package io.slipway.auth;

import io.vertx.core.Future;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Who may call a private app: its owner, with a Slipway token, or a holder of one of its API keys. Keys are looked
 * up by the SHA-256 of their secret in memory, so the data plane checks them at once; the store is the record, this
 * index its copy, updated with every create and revoke. Tokens are checked by a {@link TokenVerifier}, without blocking.
 */
public final class AppAccess {
    public static final String KEY_PREFIX = "slw_";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final TokenVerifier tokens;
    private final Map<String, String> appByKeyHash = new ConcurrentHashMap<>();

    public AppAccess(TokenVerifier tokens) {
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

    /**
     * Whether {@code credential} has the form of one of Slipway's own, whatever it proves: an API key (revoked or
     * not), or a token Slipway signed (expired or not). Never blocks.
     */
    public boolean issuedHere(String credential) {
        return credential.startsWith(KEY_PREFIX) || tokens.issuedHere(credential);
    }

    /**
     * What {@code credential} (a Slipway token, an API key, or anything else) proves. Never fails and never blocks: a
     * credential that proves nothing is {@link Caller#NOBODY}; an API key is answered at once.
     */
    public Future<Caller> identify(String credential) {
        return identify(credential, ResourceIndicators.NONE);
    }

    /**
     * {@link #identify(String)} for a request to a protected resource: an identity provider's token meant for one of
     * {@code resources} (its {@code aud}) proves its user too, as one meant for Slipway does.
     */
    public Future<Caller> identify(String credential, ResourceIndicators resources) {
        if (credential == null || credential.isBlank()) return Future.succeededFuture(Caller.NOBODY);
        if (credential.startsWith(KEY_PREFIX)) {
            String appId = appByKeyHash.get(hash(credential));
            return Future.succeededFuture(appId == null ? Caller.NOBODY : new Caller.KeyHolder(appId));
        }
        return tokens.verify(credential, resources).<Caller>map(Caller.User::new).otherwise(Caller.NOBODY);
    }
}
