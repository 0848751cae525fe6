package io.slipway.auth;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jwt.SignedJWT;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The verifier Slipway uses: it picks a verifier by the token's {@code alg} header alone, before any key is looked
 * at. HS256 goes to the local {@link TokenService} (when local tokens are accepted), RS256 and ES256 to the identity
 * provider's {@link JwksVerifier} (when one is configured); any other algorithm is refused. So a key is only ever used
 * with the algorithm of its own kind: an identity provider's public key can never serve as an HMAC secret. The users
 * named as admins in the configuration are admins whatever their tokens say.
 */
public final class RoutingTokenVerifier implements TokenVerifier {
    private final TokenService local;
    private final JwksVerifier provider;
    private final Set<String> admins;
    private final String accepted;

    /**
     * @param local    verifies HS256 tokens; null: they are refused
     * @param provider verifies RS256 and ES256 tokens; null: they are refused
     * @param admins   the users who are admins whatever their tokens say
     */
    public RoutingTokenVerifier(TokenService local, JwksVerifier provider, Set<String> admins) {
        if (local == null && provider == null) throw new IllegalArgumentException("no token could be accepted: give a local or a provider verifier");
        this.local = local;
        this.provider = provider;
        this.admins = Set.copyOf(admins);
        List<String> algorithms = new ArrayList<>();
        if (local != null) algorithms.add("HS256 (./slipway token)");
        if (provider != null) algorithms.add("RS256 or ES256 (the identity provider's)");
        this.accepted = String.join(", ", algorithms);
    }

    @Override
    public boolean issuedHere(String token) {
        if (local == null) return false;
        try {
            return local.signedHere(TokenClaims.parseSigned(token));
        } catch (InvalidTokenException e) {
            return false;
        }
    }

    @Override
    public Future<Principal> verify(String token) {
        return verify(token, ResourceIndicators.NONE);
    }

    @Override
    public Future<Principal> verify(String token, ResourceIndicators resources) {
        Future<Principal> verified;
        try {
            SignedJWT jwt = TokenClaims.parseSigned(token);
            JWSAlgorithm alg = jwt.getHeader().getAlgorithm();
            if (local != null && JWSAlgorithm.HS256.equals(alg)) {
                verified = Future.succeededFuture(local.verify(jwt));
            } else if (provider != null && JwksVerifier.ALGORITHMS.contains(alg)) {
                verified = provider.verify(jwt, resources);
            } else {
                throw new InvalidTokenException("the token's algorithm is not accepted here; send a token signed with " + accepted);
            }
        } catch (InvalidTokenException e) {
            return Future.failedFuture(e);
        }
        return admins.isEmpty() ? verified : verified.map(p -> admins.contains(p.user()) ? p.asAdmin() : p);
    }
}
