package io.slipway.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Date;

/**
 * Mints and verifies HS256 tokens. Verification pins the algorithm (a token whose header names anything but HS256,
 * {@code none} included, is refused before its signature is looked at), requires {@code sub} and {@code exp}, and
 * honours {@code nbf}, with a small allowance for clock skew.
 */
public final class TokenService {
    private static final Duration SKEW = Duration.ofSeconds(30);

    private final byte[] secret;
    private final InstantSource clock;

    public TokenService(byte[] secret, InstantSource clock) {
        this.secret = secret.clone();
        this.clock = clock;
    }

    public String mint(String user, String plan, Duration ttl) {
        return mint(user, plan, false, ttl);
    }

    /** @param admin whether the token carries {@code "admin": true}, which opens the admin API */
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
        SignedJWT jwt;
        try {
            jwt = SignedJWT.parse(token);
        } catch (ParseException | IllegalArgumentException e) {
            throw new InvalidTokenException("the token is not a signed JWT");
        }
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
        JWTClaimsSet claims;
        try {
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException e) {
            throw new InvalidTokenException("the token's claims are not valid JSON");
        }
        Instant now = clock.instant();
        if (claims.getExpirationTime() == null) throw new InvalidTokenException("the token has no exp claim");
        if (now.minus(SKEW).isAfter(claims.getExpirationTime().toInstant())) throw new InvalidTokenException("the token has expired");
        if (claims.getNotBeforeTime() != null && now.plus(SKEW).isBefore(claims.getNotBeforeTime().toInstant())) {
            throw new InvalidTokenException("the token is not valid yet (nbf)");
        }
        String sub = claims.getSubject();
        if (sub == null || sub.isBlank() || sub.length() > 255) throw new InvalidTokenException("the token has no usable sub claim");
        Object plan = claims.getClaim("plan");
        return new Principal(sub, plan instanceof String p ? p : null, Boolean.TRUE.equals(claims.getClaim("admin")));
    }
}
