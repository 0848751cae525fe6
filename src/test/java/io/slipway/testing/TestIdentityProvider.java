package io.slipway.testing;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An identity provider for tests: it publishes a JWK set over real HTTP on a free port, counts how often it is fetched,
 * and signs tokens with RSA (RS256) or EC (ES256) keys. Tests change the keys it publishes (a rotation) and stop and
 * restart its server (an outage).
 */
public final class TestIdentityProvider implements AutoCloseable {
    public static final String ISSUER = "https://idp.test/";
    public static final String AUDIENCE = "slipway";

    private final Vertx vertx = Vertx.vertx();
    private final AtomicInteger fetches = new AtomicInteger();
    private volatile List<JWK> published;
    private HttpServer server;
    private int port;

    private TestIdentityProvider(List<JWK> published) {
        this.published = published;
    }

    /** Listens on a free port, publishing {@code keys} (their public halves). */
    public static TestIdentityProvider start(JWK... keys) {
        TestIdentityProvider idp = new TestIdentityProvider(List.of(keys));
        idp.listen(0);
        return idp;
    }

    public static RSAKey rsaKey(String kid) {
        try {
            return new RSAKeyGenerator(2048).keyID(kid).keyUse(KeyUse.SIGNATURE).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    public static ECKey ecKey(String kid) {
        try {
            return new ECKeyGenerator(Curve.P_256).keyID(kid).keyUse(KeyUse.SIGNATURE).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    public URI jwksUrl() {
        return URI.create("http://127.0.0.1:" + port + "/jwks");
    }

    /** How many times the JWK set was asked for. */
    public int fetches() {
        return fetches.get();
    }

    /** From now on, publishes {@code keys} instead. */
    public void publish(JWK... keys) {
        published = List.of(keys);
    }

    /** Stops answering: connections are refused until {@link #restart()}. */
    public void stop() {
        server.close().await();
    }

    /** Answers again, on the same port. */
    public void restart() {
        listen(port);
    }

    /** Claims of a valid token for {@code user}: this provider's issuer, Slipway's audience, valid from now for an hour. */
    public static JWTClaimsSet.Builder claims(String user) {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder().issuer(ISSUER).audience(AUDIENCE).subject(user).issueTime(Date.from(now))
                .notBeforeTime(Date.from(now)).expirationTime(Date.from(now.plus(Duration.ofHours(1))));
    }

    /** A valid token for {@code user}, signed with {@code key}. */
    public static String token(JWK key, String user) {
        return token(key, claims(user));
    }

    /** A token with these claims, signed with {@code key} (RS256 for an RSA key, ES256 for an EC key) and naming its kid. */
    public static String token(JWK key, JWTClaimsSet.Builder claims) {
        try {
            JWSSigner signer = key instanceof RSAKey rsa ? new RSASSASigner(rsa) : new ECDSASigner((ECKey) key);
            JWSAlgorithm alg = key instanceof RSAKey ? JWSAlgorithm.RS256 : JWSAlgorithm.ES256;
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(alg).keyID(key.getKeyID()).build(), claims.build());
            jwt.sign(signer);
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    private void listen(int onPort) {
        server = vertx.createHttpServer().requestHandler(request -> {
            fetches.incrementAndGet();
            request.response().putHeader("Content-Type", "application/json").end(new JWKSet(published).toString(true));
        });
        port = server.listen(onPort, "127.0.0.1").await().actualPort();
    }

    @Override
    public void close() {
        vertx.close().await();
    }
}
