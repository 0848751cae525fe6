package io.slipway.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyType;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.slipway.config.SlipwayConfig.AuthSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.InstantSource;
import java.util.List;
import java.util.Set;

/**
 * Verifies RS256 and ES256 tokens of an identity provider with the keys it publishes at {@code auth.jwksUrl}, and
 * checks that the provider issued them ({@code iss}) for Slipway ({@code aud}), or, where the caller says so, for one of
 * the protected resources Slipway guards ({@link ResourceIndicators}). The keys are held in memory by a
 * {@link JwksCache}; a token naming a key the cache does not hold (the provider rotated its keys) waits for one
 * refetch, which the cache rate-limits. Never blocks: a verification that waits for a fetch completes on its caller's
 * context. Keys are used only for the signature algorithm of their own type, never as an HMAC secret.
 */
public final class JwksVerifier implements TokenVerifier {
    static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256);

    private final JwksCache keys;
    private final String issuer;
    private final String audience;
    private final InstantSource clock;

    private JwksVerifier(JwksCache keys, String issuer, String audience, InstantSource clock) {
        this.keys = keys;
        this.issuer = issuer;
        this.audience = audience;
        this.clock = clock;
    }

    /**
     * Starts fetching the provider's keys and returns at once; a provider that cannot be reached is retried later. The
     * background fetches stop when {@code vertx} closes.
     */
    public static JwksVerifier start(Vertx vertx, AuthSettings settings, InstantSource clock) {
        JwksCache keys = JwksCache.start(vertx, settings.jwksUrl().orElseThrow(), settings.jwksCacheTtl(),
                settings.jwksMinRefreshInterval(), clock);
        return new JwksVerifier(keys, settings.issuer(), settings.audience(), clock);
    }

    @Override
    public Future<Principal> verify(String token) {
        return verify(token, ResourceIndicators.NONE);
    }

    @Override
    public Future<Principal> verify(String token, ResourceIndicators resources) {
        try {
            return verify(TokenClaims.parseSigned(token), resources);
        } catch (InvalidTokenException e) {
            return Future.failedFuture(e);
        }
    }

    /** @param resources the protected resources whose tokens are accepted besides Slipway's own audience */
    Future<Principal> verify(SignedJWT jwt, ResourceIndicators resources) {
        JWSHeader header = jwt.getHeader();
        JWTClaimsSet claims;
        List<JWK> candidates;
        try {
            if (!ALGORITHMS.contains(header.getAlgorithm())) throw new InvalidTokenException("the token's algorithm must be RS256 or ES256");
            // Refused before any key is looked up: a token of another issuer (an app's own, say) never causes a fetch.
            claims = TokenClaims.of(jwt);
            if (!issuer.equals(claims.getIssuer())) throw new InvalidTokenException("the token's issuer (iss) is not the one Slipway trusts");
            List<String> audiences = claims.getAudience();
            if (audiences == null || !audiences.contains(audience) && !resources.includeAnyOf(audiences)) {
                throw new InvalidTokenException(resources.isEmpty() ? "the token's audience (aud) does not include " + audience
                        : "the token's audience (aud) is neither " + audience + " nor this server");
            }
            candidates = candidates(header, keys.current());
            if (!candidates.isEmpty()) return Future.succeededFuture(check(jwt, claims, candidates));
        } catch (InvalidTokenException e) {
            return Future.failedFuture(e);
        }
        return keys.refetch().map(set -> check(jwt, claims, candidates(header, set)));
    }

    /**
     * The keys that may have signed the token: of the algorithm's type (and curve), meant for signatures or for no use
     * in particular, for this algorithm or for none in particular, and with the token's {@code kid} when it has one.
     */
    private static List<JWK> candidates(JWSHeader header, JWKSet set) {
        JWSAlgorithm alg = header.getAlgorithm();
        JWKMatcher.Builder matcher = new JWKMatcher.Builder().keyType(KeyType.forAlgorithm(alg)).keyID(header.getKeyID())
                .keyUses(KeyUse.SIGNATURE, null).algorithms(alg, null);
        if (JWSAlgorithm.ES256.equals(alg)) matcher.curves(Curve.P_256);
        return new JWKSelector(matcher.build()).select(set);
    }

    /** Checks the signature with the candidate keys, then the time and subject claims. */
    private Principal check(SignedJWT jwt, JWTClaimsSet claims, List<JWK> candidates) {
        if (candidates.isEmpty()) throw new InvalidTokenException("the token's key (kid) is not among the identity provider's keys");
        if (!signedByOneOf(jwt, candidates)) throw new InvalidTokenException("the token's signature does not verify");
        return TokenClaims.principal(claims, clock.instant());
    }

    private static boolean signedByOneOf(SignedJWT jwt, List<JWK> candidates) {
        for (JWK key : candidates) {
            try {
                JWSVerifier verifier = switch (key) {
                    case RSAKey rsa -> new RSASSAVerifier(rsa);
                    case ECKey ec -> new ECDSAVerifier(ec);
                    default -> null;
                };
                if (verifier != null && jwt.verify(verifier)) return true;
            } catch (JOSEException | IllegalStateException e) {
                // A key that cannot verify this token (wrong size, bad point) is simply not the one that signed it.
            }
        }
        return false;
    }
}
