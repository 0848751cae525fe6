package io.slipway.artifacts;

import io.slipway.runtime.Layer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Short-lived grants to download layers of one app from Slipway's artifact endpoint: what a sandbox that runs away from
 * Slipway's host (a pod) is given to fetch its code and dependency set by digest, and nothing else. A grant names the
 * app, the layers and when it expires, and is signed with a key derived from Slipway's token secret (which replicas on
 * one database share, so any replica honours any replica's grant). It is no JWT on purpose: no user-token verifier can
 * ever take one for a user's token, and the key it is signed with signs nothing else.
 *
 * <p>Format: {@code base64url(appId "\n" expiry-epoch-seconds "\n" digest "," digest …) "." base64url(HMAC-SHA256)}.
 *
 * <p>A build step that runs in a pod ({@link io.slipway.runtime.RemoteBuildFiles}) gets a grant of another kind, {@link
 * #grantStep}: it names the step and its expiry ({@code base64url(stepId "\n" expiry) "." base64url(HMAC)}), signed with
 * a key of its own, so that neither kind is ever taken for the other.
 */
public final class ArtifactTokens {
    /** How long a grant lasts unless said otherwise: the time a pod has to start fetching its layers. */
    public static final Duration DEFAULT_TTL = Duration.ofMinutes(15);
    private static final Pattern SHAPE = Pattern.compile("[A-Za-z0-9_-]{1,4096}\\.[A-Za-z0-9_-]{43}");
    private static final Base64.Encoder ENCODE = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODE = Base64.getUrlDecoder();

    /** What a valid grant allows. */
    public record Grant(String appId, Instant expires, Set<String> digests) {
        public boolean allows(String app, String digest) {
            return appId.equals(app) && digests.contains(digest);
        }
    }

    private final byte[] key;
    private final byte[] stepKey;
    private final InstantSource clock;

    /** @param tokenSecret Slipway's token secret; the grants' key is derived from it, never the secret itself */
    public ArtifactTokens(byte[] tokenSecret, InstantSource clock) {
        this.key = hmac(tokenSecret, "slipway artifact grants v1".getBytes(StandardCharsets.UTF_8));
        this.stepKey = hmac(tokenSecret, "slipway build step grants v1".getBytes(StandardCharsets.UTF_8));
        this.clock = clock;
    }

    /** A grant to {@code layers} of {@code appId} for {@code ttl} from now. */
    public String grant(String appId, List<Layer> layers, Duration ttl) {
        if (appId.contains("\n") || layers.isEmpty()) throw new IllegalArgumentException("a grant names one app and at least one layer");
        return sign(key, appId + "\n" + expiry(ttl) + "\n" + String.join(",", layers.stream().map(Layer::digest).toList()));
    }

    /** The grant {@code token} holds, if it is one of ours (its signature holds) and has not expired. */
    public Optional<Grant> verify(String token) {
        return open(key, token, 3).map(parts -> new Grant(parts[0], Instant.ofEpochSecond(Long.parseLong(parts[1])), Set.of(parts[2].split(","))));
    }

    /** A grant to the input and the output of the build step {@code stepId} for {@code ttl} from now. */
    public String grantStep(String stepId, Duration ttl) {
        if (stepId.contains("\n") || stepId.isEmpty()) throw new IllegalArgumentException("a step grant names one step");
        return sign(stepKey, stepId + "\n" + expiry(ttl));
    }

    /** The step {@code token} grants, if it is a step grant of ours and has not expired. */
    public Optional<String> verifyStep(String token) {
        return open(stepKey, token, 2).map(parts -> parts[0]);
    }

    private long expiry(Duration ttl) {
        return clock.instant().plus(ttl).getEpochSecond();
    }

    private static String sign(byte[] key, String payload) {
        byte[] bytes = payload.getBytes(StandardCharsets.UTF_8);
        return ENCODE.encodeToString(bytes) + "." + ENCODE.encodeToString(hmac(key, bytes));
    }

    /** The payload's {@code fields} lines, the second of them the expiry, if the signature holds and it has not expired. */
    private Optional<String[]> open(byte[] key, String token, int fields) {
        if (token == null || !SHAPE.matcher(token).matches()) return Optional.empty();
        int dot = token.indexOf('.');
        byte[] payload;
        byte[] signature;
        try {
            payload = DECODE.decode(token.substring(0, dot));
            signature = DECODE.decode(token.substring(dot + 1));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        if (!MessageDigest.isEqual(signature, hmac(key, payload))) return Optional.empty();
        String[] parts = new String(payload, StandardCharsets.UTF_8).split("\n", -1);
        if (parts.length != fields) return Optional.empty();
        Instant expires;
        try {
            expires = Instant.ofEpochSecond(Long.parseLong(parts[1]));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        if (!clock.instant().isBefore(expires)) return Optional.empty();
        return Optional.of(parts);
    }

    private static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is missing from this JDK", e);
        }
    }
}
