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
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An identity provider for tests: it publishes a JWK set over real HTTP on a free port, counts how often it is fetched,
 * and signs tokens with RSA (RS256) or EC (ES256) keys. Tests change the keys it publishes (a rotation) and stop and
 * restart its server (an outage).
 *
 * <p>It is an OAuth 2.0 authorization server too, as MCP clients find one: its metadata (RFC 8414) at
 * {@code /.well-known/oauth-authorization-server} of its {@link #issuer()}, and a token endpoint that issues tokens by
 * the {@code client_credentials} grant to the {@link #addClient clients} a test registers, signed with the first key it
 * publishes, for the resources a request names (RFC 8707 {@code resource}, each one an {@code aud}; Slipway's audience
 * when it names none). Authorization codes it does not issue.
 */
public final class TestIdentityProvider implements AutoCloseable {
    public static final String ISSUER = "https://idp.test/";
    public static final String AUDIENCE = "slipway";

    private final Vertx vertx = Vertx.vertx();
    private final AtomicInteger fetches = new AtomicInteger();
    private final Map<String, Client> clients = new ConcurrentHashMap<>();
    private final List<JWTClaimsSet> issued = new CopyOnWriteArrayList<>();
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

    /** A client of the token endpoint, whose tokens name {@code subject} as their {@code sub}. */
    private record Client(String secret, String subject) {
    }

    public URI jwksUrl() {
        return URI.create(issuer() + "/jwks");
    }

    /**
     * This provider as an authorization server: the {@code iss} of the tokens its token endpoint issues, and where its
     * metadata is found. (The static {@link #ISSUER} is that of tokens tests sign themselves.)
     */
    public String issuer() {
        return "http://127.0.0.1:" + port;
    }

    /** Registers a client of the token endpoint (as an operator registers an MCP client); its tokens are for {@code subject}. */
    public TestIdentityProvider addClient(String clientId, String secret, String subject) {
        clients.put(clientId, new Client(secret, subject));
        return this;
    }

    /** The claims of every token the token endpoint issued, oldest first. */
    public List<JWTClaimsSet> issued() {
        return List.copyOf(issued);
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
            switch (request.path()) {
                case "/jwks" -> {
                    fetches.incrementAndGet();
                    json(request.response(), 200, new JWKSet(published).toString(true));
                }
                case "/.well-known/oauth-authorization-server" -> json(request.response(), 200, metadata().encode());
                case "/token" -> {
                    request.setExpectMultipart(true);
                    request.endHandler(v -> token(request));
                }
                case "/authorize" -> error(request.response(), 400, "unsupported_response_type", "this provider issues tokens by client_credentials only");
                default -> json(request.response(), 404, "{}");
            }
        });
        port = server.listen(onPort, "127.0.0.1").await().actualPort();
    }

    /** RFC 8414 §2: what an MCP client needs to find the token endpoint. */
    private JsonObject metadata() {
        return new JsonObject().put("issuer", issuer()).put("authorization_endpoint", issuer() + "/authorize")
                .put("token_endpoint", issuer() + "/token").put("jwks_uri", jwksUrl().toString())
                .put("response_types_supported", new JsonArray().add("code"))
                .put("grant_types_supported", new JsonArray().add("client_credentials"))
                .put("token_endpoint_auth_methods_supported", new JsonArray().add("client_secret_basic").add("client_secret_post"));
    }

    /** RFC 6749 §4.4 with RFC 8707's resource parameter; errors as §5.2 says. */
    private void token(HttpServerRequest request) {
        HttpServerResponse response = request.response();
        MultiMap form = request.formAttributes();
        String[] credentials = clientCredentials(request.getHeader("Authorization"), form);
        Client client = credentials == null ? null : clients.get(credentials[0]);
        if (client == null || !client.secret().equals(credentials[1])) {
            response.putHeader("WWW-Authenticate", "Basic realm=\"test-idp\"");
            error(response, 401, "invalid_client", "unknown client or wrong secret");
        } else if (!"client_credentials".equals(form.get("grant_type"))) {
            error(response, 400, "unsupported_grant_type", "only client_credentials is issued here");
        } else {
            List<String> resources = form.getAll("resource");
            if (resources.stream().anyMatch(r -> !isResourceIndicator(r))) {
                error(response, 400, "invalid_target", "a resource must be an absolute URI without a fragment (RFC 8707 §2)");
                return;
            }
            JWTClaimsSet.Builder claims = claims(client.subject()).issuer(issuer()).audience(resources.isEmpty() ? List.of(AUDIENCE) : resources);
            if (form.get("scope") != null) claims.claim("scope", form.get("scope"));
            issued.add(claims.build());
            json(response, 200, new JsonObject().put("access_token", token(published.getFirst(), claims)).put("token_type", "Bearer")
                    .put("expires_in", 3600).encode());
        }
    }

    /** The client's id and secret, from HTTP Basic (form-urlencoded first, RFC 6749 §2.3.1) or from the form; null if neither. */
    private static String[] clientCredentials(String authorization, MultiMap form) {
        if (authorization != null && authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(authorization.substring(6).strip()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException notBase64) {
                return null;
            }
            int colon = decoded.indexOf(':');
            if (colon < 0) return null;
            return new String[] {URLDecoder.decode(decoded.substring(0, colon), StandardCharsets.UTF_8),
                    URLDecoder.decode(decoded.substring(colon + 1), StandardCharsets.UTF_8)};
        }
        return form.get("client_id") == null ? null : new String[] {form.get("client_id"), String.valueOf(form.get("client_secret"))};
    }

    private static boolean isResourceIndicator(String resource) {
        try {
            URI uri = new URI(resource);
            return uri.isAbsolute() && uri.getRawFragment() == null;
        } catch (URISyntaxException e) {
            return false;
        }
    }

    private static void error(HttpServerResponse response, int status, String error, String description) {
        json(response, status, new JsonObject().put("error", error).put("error_description", description).encode());
    }

    private static void json(HttpServerResponse response, int status, String body) {
        response.setStatusCode(status).putHeader("Content-Type", "application/json").putHeader("Cache-Control", "no-store").end(body);
    }

    @Override
    public void close() {
        vertx.close().await();
    }
}
