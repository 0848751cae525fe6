package io.slipway.auth;

import static io.slipway.testing.TestIdentityProvider.AUDIENCE;
import static io.slipway.testing.TestIdentityProvider.ISSUER;
import static io.slipway.testing.TestIdentityProvider.claims;
import static io.slipway.testing.TestIdentityProvider.token;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import io.slipway.config.SlipwayConfig.AuthSettings;
import io.slipway.testing.TestIdentityProvider;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Tokens of an identity provider, checked against the JWK set a real HTTP server in this test publishes. */
class JwksVerifierTest {
    private static final RSAKey RSA = TestIdentityProvider.rsaKey("rsa-1");
    private static final ECKey EC = TestIdentityProvider.ecKey("ec-1");
    private static final Duration MIN_REFRESH = Duration.ofSeconds(30);

    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.now());
    private final Vertx vertx = Vertx.vertx();
    private TestIdentityProvider idp;
    private JwksVerifier verifier;

    @BeforeEach
    void start() {
        idp = TestIdentityProvider.start(RSA, EC);
        verifier = verifier(Duration.ofHours(1));
        // The keys are fetched at start; once a token verifies, they are held.
        assertThat(verified(verifier.verify(token(RSA, "warm-up"))).user()).isEqualTo("warm-up");
    }

    @AfterEach
    void stop() {
        vertx.close().await();
        idp.close();
    }

    @Test
    void rs256TokenVerifiesToItsUserPlanAndAdminFlag() {
        String token = token(RSA, claims("carol").claim("plan", "pro").claim("admin", true));
        assertThat(verified(verifier.verify(token))).isEqualTo(new Principal("carol", "pro", true));
    }

    @Test
    void es256TokenVerifies() {
        assertThat(verified(verifier.verify(token(EC, "carol")))).isEqualTo(new Principal("carol", null, false));
    }

    @Test
    void tokenWithoutKidIsCheckedWithEveryKeyOfItsType() throws JOSEException {
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.ES256), claims("carol").build());
        jwt.sign(new ECDSASigner(EC));
        assertThat(verified(verifier.verify(jwt.serialize())).user()).isEqualTo("carol");
    }

    @Test
    void tokenOfAnotherIssuerOrForAnotherAudienceIsRefusedWithoutFetchingKeys() {
        now.set(now.get().plus(MIN_REFRESH).plusSeconds(1));
        int fetches = idp.fetches();
        RSAKey othersKey = TestIdentityProvider.rsaKey("another-providers-key");

        assertThat(refusal(verifier.verify(token(othersKey, claims("carol").issuer("https://other.test/"))))).contains("issuer");
        assertThat(refusal(verifier.verify(token(RSA, claims("carol").issuer("https://evil.test/"))))).contains("issuer");
        assertThat(refusal(verifier.verify(token(RSA, claims("carol").audience("another-service"))))).contains("audience");
        assertThat(refusal(verifier.verify(token(RSA, claims("carol").audience(List.of()))))).contains("audience");
        assertThat(idp.fetches()).isEqualTo(fetches);
    }

    @Test
    void tokenForAProtectedResourceIsAcceptedOnlyWhereThatResourceIsAskedFor() {
        String mcp = "https://x1.apps.example.com/mcp";
        String forTheServer = token(RSA, claims("carol").audience(mcp));
        ResourceIndicators theServer = ResourceIndicators.of(mcp, "https://slipway.example.com/containers/x1/mcp");

        assertThat(verified(verifier.verify(forTheServer, theServer)).user()).isEqualTo("carol");
        assertThat(verified(verifier.verify(token(RSA, claims("carol").audience(List.of("other", "HTTPS://X1.Apps.Example.com/mcp/"))),
                theServer)).user()).as("scheme and host in any case, a trailing slash").isEqualTo("carol");
        assertThat(verified(verifier.verify(token(RSA, "carol"), theServer)).user()).as("Slipway's own audience still").isEqualTo("carol");
        assertThat(refusal(verifier.verify(forTheServer))).as("not for Slipway's API").contains("audience");
        assertThat(refusal(verifier.verify(forTheServer, ResourceIndicators.of("https://x2.apps.example.com/mcp")))).contains("audience");
        assertThat(refusal(verifier.verify(token(RSA, claims("carol").audience("https://x1.apps.example.com/mcp/more")), theServer)))
                .as("another path is another resource").contains("audience");
        assertThat(refusal(routing(true).verify(forTheServer))).contains("audience");
        assertThat(verified(routing(true).verify(forTheServer, theServer)).user()).isEqualTo("carol");
    }

    @Test
    void expiredTokenOrTokenNotValidYetIsRefused() {
        Instant t = now.get();
        assertThat(refusal(verifier.verify(token(RSA, claims("carol").expirationTime(Date.from(t.minusSeconds(31)))))))
                .isEqualTo("the token has expired");
        assertThat(refusal(verifier.verify(token(RSA, claims("carol").notBeforeTime(Date.from(t.plusSeconds(60)))))))
                .isEqualTo("the token is not valid yet (nbf)");
        assertThat(refusal(verifier.verify(token(RSA, claims("carol").expirationTime(null))))).isEqualTo("the token has no exp claim");
    }

    @Test
    void tokenWithoutAUsableSubIsRefused() {
        assertThat(refusal(verifier.verify(token(RSA, claims("carol").subject(null))))).contains("sub");
        assertThat(refusal(verifier.verify(token(RSA, claims("x".repeat(256)))))).contains("sub");
    }

    @Test
    void unsignedTokenIsRefused() {
        String none = new PlainJWT(claims("carol").build()).serialize();
        assertThat(refusal(verifier.verify(none))).isEqualTo("the token is not signed (alg none)");
        assertThat(refusal(routing(true).verify(none))).isEqualTo("the token is not signed (alg none)");
    }

    @Test
    void hs256TokenSignedWithTheProvidersPublicKeyIsRefusedWithoutTouchingTheKeySet() throws JOSEException {
        SignedJWT forged = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(RSA.getKeyID()).build(), claims("mallory").build());
        forged.sign(new MACSigner(RSA.toRSAPublicKey().getEncoded()));
        int fetches = idp.fetches();

        assertThat(refusal(verifier.verify(forged.serialize()))).isEqualTo("the token's algorithm must be RS256 or ES256");
        assertThat(refusal(routing(true).verify(forged.serialize()))).isEqualTo("the token's signature does not verify");
        assertThat(refusal(routing(false).verify(forged.serialize()))).startsWith("the token's algorithm is not accepted here");
        assertThat(idp.fetches()).isEqualTo(fetches);
    }

    @Test
    void otherAlgorithmsAreRefusedEvenWithTheProvidersKey() throws JOSEException {
        for (JWSAlgorithm alg : List.of(JWSAlgorithm.PS256, JWSAlgorithm.RS512)) {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(alg).keyID(RSA.getKeyID()).build(), claims("carol").build());
            jwt.sign(new RSASSASigner(RSA));
            assertThat(refusal(routing(true).verify(jwt.serialize()))).as(alg.getName()).startsWith("the token's algorithm is not accepted here");
        }
        SignedJWT hs384 = new SignedJWT(new JWSHeader(JWSAlgorithm.HS384), claims("carol").build());
        hs384.sign(new MACSigner(new byte[48]));
        assertThat(refusal(routing(true).verify(hs384.serialize()))).startsWith("the token's algorithm is not accepted here");
    }

    @Test
    void genuineTokenWithCharactersAddedToItsSignatureIsRefused() {
        String token = token(RSA, "carol");
        assertThat(verified(verifier.verify(token))).isEqualTo(new Principal("carol", null, false));
        for (String junk : List.of(",", "=", "*", "~")) {
            assertThat(refusal(verifier.verify(token + junk))).as(junk).isEqualTo("the token's signature does not verify");
        }
    }

    @Test
    void tokenSignedByAKeyNotInTheSetIsRefused() {
        RSAKey impostor = TestIdentityProvider.rsaKey(RSA.getKeyID());
        assertThat(refusal(verifier.verify(token(impostor, "carol")))).isEqualTo("the token's signature does not verify");
        assertThat(refusal(verifier.verify(token(TestIdentityProvider.rsaKey("stranger"), "carol"))))
                .isEqualTo("the token's key (kid) is not among the identity provider's keys");
    }

    @Test
    void rotatedKeyIsFetchedOnceOnItsFirstToken() {
        RSAKey rotated = TestIdentityProvider.rsaKey("rsa-2");
        idp.publish(rotated, EC);
        now.set(now.get().plus(MIN_REFRESH).plusSeconds(1));
        int fetches = idp.fetches();

        assertThat(verified(verifier.verify(token(rotated, "carol"))).user()).isEqualTo("carol");
        assertThat(verified(verifier.verify(token(rotated, "dave"))).user()).isEqualTo("dave");
        assertThat(idp.fetches()).isEqualTo(fetches + 1);
        assertThat(refusal(verifier.verify(token(RSA, "carol")))).as("the retired key").contains("kid");
    }

    @Test
    void tokensWithUnknownKidsCauseAtMostOneFetchPerInterval() {
        now.set(now.get().plus(MIN_REFRESH).plusSeconds(1));
        int fetches = idp.fetches();

        List<Future<Principal>> burst = new ArrayList<>();
        for (int i = 0; i < 20; i++) burst.add(verifier.verify(randomKid()));
        burst.forEach(f -> assertThat(refusal(f)).contains("kid"));
        for (int i = 0; i < 20; i++) assertThat(refusal(verifier.verify(randomKid()))).contains("kid");
        assertThat(idp.fetches()).isEqualTo(fetches + 1);

        now.set(now.get().plus(MIN_REFRESH).plusSeconds(1));
        assertThat(refusal(verifier.verify(randomKid()))).contains("kid");
        assertThat(idp.fetches()).isEqualTo(fetches + 2);
    }

    @Test
    void keysAreFetchedAgainInTheBackgroundAfterTheirTtl() {
        int fetches = idp.fetches();
        verifier(Duration.ofMillis(200));
        await().atMost(Duration.ofSeconds(10)).until(() -> idp.fetches() >= fetches + 3);
    }

    @Test
    void unreachableProviderIsAClearRefusalAndIsTriedAgainLater() {
        idp.stop();
        JwksVerifier cold = verifier(Duration.ofHours(1));

        String token = token(RSA, "carol");
        assertThat(refusal(cold.verify(token))).isEqualTo("the identity provider's keys could not be fetched to check this token; try again later");
        assertThat(refusal(cold.verify(token))).contains("could not be fetched");
        assertThat(verified(verifier.verify(token)).user()).as("keys fetched before stay in use").isEqualTo("carol");

        idp.restart();
        now.set(now.get().plus(MIN_REFRESH).plusSeconds(1));
        assertThat(verified(cold.verify(token)).user()).isEqualTo("carol");
    }

    @Test
    void routingAcceptsLocalAndProviderTokensAndMakesListedUsersAdmins() {
        TokenService local = new TokenService(new byte[32], now::get);
        TokenVerifier routing = new RoutingTokenVerifier(local, verifier, Set.of("dave"));

        assertThat(verified(routing.verify(local.mint("alice", "pro", Duration.ofHours(1))))).isEqualTo(new Principal("alice", "pro", false));
        assertThat(verified(routing.verify(local.mint("dave", null, Duration.ofHours(1))))).isEqualTo(new Principal("dave", null, true));
        assertThat(verified(routing.verify(token(RSA, "dave")))).isEqualTo(new Principal("dave", null, true));
        assertThat(refusal(routing.verify("not-a-jwt"))).isEqualTo("the token is not a signed JWT");
    }

    /** Stops with {@link #vertx}. */
    private JwksVerifier verifier(Duration ttl) {
        return JwksVerifier.start(vertx, new AuthSettings(Optional.of(idp.jwksUrl()), ISSUER, AUDIENCE, ttl, MIN_REFRESH, true, Set.of()),
                now::get);
    }

    private TokenVerifier routing(boolean localTokens) {
        return new RoutingTokenVerifier(localTokens ? new TokenService(new byte[32], now::get) : null, verifier, Set.of());
    }

    /** A token signed with the provider's RSA key whose header names a random kid. */
    private static String randomKid() {
        return token(new RSAKey.Builder(RSA).keyID(UUID.randomUUID().toString()).build(), "mallory");
    }

    private static Principal verified(Future<Principal> verification) {
        try {
            return verification.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("the token was refused: " + e.getCause().getMessage(), e.getCause());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static String refusal(Future<Principal> verification) {
        try {
            Principal accepted = verification.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            throw new AssertionError("the token was accepted for " + accepted);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(InvalidTokenException.class);
            return e.getCause().getMessage();
        } catch (InterruptedException | java.util.concurrent.TimeoutException e) {
            throw new AssertionError(e);
        }
    }
}
