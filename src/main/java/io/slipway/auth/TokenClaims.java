package io.slipway.auth;

import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.EncryptedJWT;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;

/**
 * What every accepted token must be, whoever signed it: a signed JWT whose {@code exp} has not passed, whose
 * {@code nbf} (if any) has, with a small allowance for clock skew, and whose {@code sub} is 1 to 255 characters.
 * Also reads the {@link Principal} the claims name. Messages are safe to show the caller.
 */
final class TokenClaims {
    static final Duration SKEW = Duration.ofSeconds(30);

    private TokenClaims() {
    }

    static SignedJWT parseSigned(String token) {
        JWT jwt;
        try {
            jwt = JWTParser.parse(token);
        } catch (ParseException | IllegalArgumentException e) {
            throw new InvalidTokenException("the token is not a signed JWT");
        }
        return switch (jwt) {
            case SignedJWT signed when !canonical(signed.getSignature()) ->
                    throw new InvalidTokenException("the token's signature does not verify");
            case SignedJWT signed -> signed;
            case PlainJWT plain -> throw new InvalidTokenException("the token is not signed (alg none)");
            case EncryptedJWT encrypted -> throw new InvalidTokenException("the token is encrypted; send a signed JWT");
            default -> throw new InvalidTokenException("the token is not a signed JWT");
        };
    }

    /**
     * Nimbus decodes base64url leniently, skipping characters outside the alphabet: without this, a token would still
     * verify with such characters added to its signature ("…Paw,"), one token having endless spellings. Only the
     * spelling a signer writes is accepted, for local tokens and the identity provider's alike.
     */
    private static boolean canonical(Base64URL signature) {
        return signature.toString().equals(Base64URL.encode(signature.decode()).toString());
    }

    static JWTClaimsSet of(SignedJWT jwt) {
        try {
            return jwt.getJWTClaimsSet();
        } catch (ParseException e) {
            throw new InvalidTokenException("the token's claims are not valid JSON");
        }
    }

    /** Checks the time and subject claims at {@code now}; returns the caller they name. */
    static Principal principal(JWTClaimsSet claims, Instant now) {
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
