package io.slipway.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Date;

/**
 * Mints and verifies local HS256 tokens, signed with the data dir's secret. Verification pins the algorithm (a token
 * whose header names anything but HS256, {@code none} included, is refused before its signature is looked at) and
 * checks the claims as {@link TokenClaims} says. Verifying is a MAC over a few hundred bytes: it never blocks.
 */
public final class TokenService {
    private final byte[] secret;
    private final InstantSource clock;

    public TokenService(byte[] secret, InstantSource clock) {
        this.secret = secret.clone();
        this.clock = clock;
    }

    public String mint(String user, String plan, Duration ttl) {
        return mint(user, plan, false, ttl);
    }

    /** @param admin whether the token says {@code "admin": true} */
    public String mint(String user, String plan, boolean admin, Duration ttl) {
        Instant now = clock.instant();
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder().subject(user).issueTime(Date.from(now))
                .notBeforeTime(Date.from(now)).expirationTime(Date.from(now.plus(ttl)));
        if (plan != null) claims.claim("plan", plan);
        if (admin) claims.claim("admin", true);
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims.build());
        try {
            jwt.sign(new MACSigner(secret));
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign a token", e);
        }
        return jwt.serialize();
    }

    /** @throws InvalidTokenException with a reason safe to show the caller */
    public Principal verify(String token) {
        return verify(TokenClaims.parseSigned(token));
    }

    /** Whether {@code jwt} carries this secret's signature, whatever its claims say (expired, say). */
    boolean signedHere(SignedJWT jwt) {
        try {
            return JWSAlgorithm.HS256.equals(jwt.getHeader().getAlgorithm()) && jwt.getState() == JWSObject.State.SIGNED
                    && jwt.verify(new MACVerifier(secret));
        } catch (JOSEException e) {
            return false;
        }
    }

    Principal verify(SignedJWT jwt) {
        if (!JWSAlgorithm.HS256.equals(jwt.getHeader().getAlgorithm())) {
            throw new InvalidTokenException("the token's algorithm must be HS256");
        }
        try {
            if (jwt.getState() != JWSObject.State.SIGNED || !jwt.verify(new MACVerifier(secret))) {
                throw new InvalidTokenException("the token's signature does not verify");
            }
        } catch (JOSEException e) {
            throw new InvalidTokenException("the token's signature does not verify");
        }
        return TokenClaims.principal(TokenClaims.of(jwt), clock.instant());
    }
}
