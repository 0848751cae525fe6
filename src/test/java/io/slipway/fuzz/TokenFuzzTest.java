package io.slipway.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.slipway.auth.InvalidTokenException;
import io.slipway.auth.Principal;
import io.slipway.auth.RoutingTokenVerifier;
import io.slipway.auth.TokenService;
import io.slipway.auth.TokenVerifier;
import io.vertx.core.Future;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Local token verification, as the API does it ({@link RoutingTokenVerifier} over {@link TokenService}, no identity
 * provider), fed arbitrary text, genuine tokens with a segment replaced or extended, and tokens assembled from fuzzed
 * header, payload and signature — some of them signed with the secret, so that the claim checks are reached too. Every
 * token is refused with {@link InvalidTokenException} (as a failed future; nothing may be thrown), or accepted only if it
 * is what the secret's holder issued: HS256, its signature exactly the HMAC of its first two segments under the
 * secret, its claims current, and the {@link Principal} the one its claims name.
 */
class TokenFuzzTest {
    private static final byte[] SECRET = HexFormat.of().parseHex("5c1e7a2b9d0f4e6a8b3c5d7e9f01234567890abcdef0123456789abcdef01234");
    private static final byte[] OTHER_SECRET = HexFormat.of().parseHex("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
    private static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");
    private static final TokenService LOCAL = new TokenService(SECRET, InstantSource.fixed(NOW));
    private static final TokenVerifier VERIFIER = new RoutingTokenVerifier(LOCAL, null, Set.of("root"));
    private static final List<String> VALID = List.of(
            LOCAL.mint("alice", "pro", Duration.ofHours(1)),
            LOCAL.mint("root", null, true, Duration.ofMinutes(5)));
    private static final List<String> GENUINE = List.of(VALID.get(0), VALID.get(1),
            new TokenService(SECRET, InstantSource.fixed(NOW.minus(Duration.ofDays(1)))).mint("bob", null, Duration.ofHours(1)),
            new TokenService(OTHER_SECRET, InstantSource.fixed(NOW)).mint("mallory", "pro", true, Duration.ofHours(1)));
    private static final List<String> ALGORITHMS = List.of("HS256", "HS384", "HS512", "none", "None", "RS256", "ES256", "hs256", "");
    private static final Duration SKEW = Duration.ofSeconds(30);
    private static final Pattern CONTROL = Pattern.compile("\\p{Cntrl}");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

    /** The kind of token is the input's last byte ('0' to '3'); the rest shapes it. */
    @FuzzTest
    @DictionaryEntries({"eyJ", ".", "=", "+", "/", "alg", "HS256", "none", "crit", "b64", "sub", "exp", "nbf", "plan", "admin",
            "{\"alg\":\"HS256\",\"typ\":\"JWT\"}", "{\"alg\":\"none\"}", "eyJhbGciOiJIUzI1NiJ9", "eyJhbGciOiJub25lIn0"})
    void onlyTokensIssuedWithTheSecretAreAccepted(FuzzedDataProvider data) throws Exception {
        String token = switch (data.consumeInt(0, 3)) {
            case 0 -> data.consumeRemainingAsString();
            case 1 -> spliced(data);
            case 2 -> assembled(data, false);
            default -> assembled(data, true);
        };

        Principal direct;
        try {
            direct = LOCAL.verify(token);
        } catch (InvalidTokenException refused) {
            direct = null;
        }
        // Anything thrown here instead of a failed future would reach the router as a 500.
        Future<Principal> routed = VERIFIER.verify(token);
        assertThat(routed.isComplete()).as("local verification never waits").isTrue();
        if (routed.failed()) {
            assertThat(routed.cause()).isInstanceOf(InvalidTokenException.class);
            String reason = routed.cause().getMessage();
            assertThat(reason).isNotBlank().doesNotContainPattern(CONTROL);
            if (token.length() >= 8) assertThat(reason).as("the reason does not echo the token").doesNotContain(token);
            assertThat(direct).as("TokenService accepts what the routing verifier refuses").isNull();
            assertThat(VALID).as("a genuine, current token is refused: %s", reason).doesNotContain(token);
            return;
        }
        assertThat(direct).as("the routing verifier accepts what TokenService refuses").isNotNull();
        assertIssuedWithTheSecret(token, routed.result(), direct);
    }

    /** A genuine token (current, expired, or from another secret) with one segment replaced, extended or prefixed. */
    private static String spliced(FuzzedDataProvider data) {
        String[] segments = data.pickValue(GENUINE).split("\\.", -1);
        int segment = data.consumeInt(0, 2);
        int how = data.consumeInt(0, 2);
        String text = data.consumeRemainingAsString();
        segments[segment] = switch (how) {
            case 0 -> text;
            case 1 -> segments[segment] + text;
            default -> text + segments[segment];
        };
        return String.join(".", segments);
    }

    /**
     * A header and claims assembled from fuzzed values, then a signature: the HMAC under the secret when {@code signed},
     * otherwise fuzzed bytes, a genuine token's signature or the HMAC under another secret.
     */
    private static String assembled(FuzzedDataProvider data, boolean signed) throws Exception {
        ObjectNode header = JSON.createObjectNode();
        boolean fuzzedAlg = data.consumeBoolean();
        String alg = fuzzedAlg ? null : data.pickValue(ALGORITHMS);
        if (data.consumeBoolean()) header.put("typ", "JWT");
        if (data.consumeBoolean()) header.putArray("crit").add("b64");
        if (data.consumeBoolean()) header.put("b64", false);
        ObjectNode claims = JSON.createObjectNode();
        int sub = data.consumeInt(0, 3);
        int exp = data.consumeInt(0, 3);
        boolean nbf = data.consumeBoolean();
        int plan = data.consumeInt(0, 2);
        int admin = data.consumeInt(0, 3);
        long expAt = NOW.getEpochSecond() + data.consumeLong(-400_000_000L, 400_000_000L);
        long nbfAt = NOW.getEpochSecond() + data.consumeLong(-400_000_000L, 400_000_000L);
        int signature = signed ? -1 : data.consumeInt(0, 3);

        header.put("alg", fuzzedAlg ? data.consumeString(12) : alg);
        switch (sub) {
            case 0 -> claims.put("sub", data.consumeString(300));
            case 1 -> claims.put("sub", data.consumeLong());
            case 2 -> claims.putNull("sub");
            default -> { }
        }
        switch (exp) {
            case 0 -> claims.put("exp", expAt);
            case 1 -> claims.put("exp", expAt + 0.5);
            case 2 -> claims.put("exp", Long.toString(expAt));
            default -> { }
        }
        if (nbf) claims.put("nbf", nbfAt);
        switch (plan) {
            case 0 -> claims.put("plan", data.consumeString(20));
            case 1 -> claims.put("plan", 7);
            default -> { }
        }
        switch (admin) {
            case 0 -> claims.put("admin", true);
            case 1 -> claims.put("admin", "true");
            case 2 -> claims.put("admin", 1);
            default -> { }
        }
        String signingInput = base64url(JSON.writeValueAsBytes(header)) + "." + base64url(JSON.writeValueAsBytes(claims));
        String mac = switch (signature) {
            case -1 -> hmac(SECRET, signingInput);
            case 0 -> base64url(data.consumeRemainingAsBytes());
            case 1 -> {
                String genuine = data.pickValue(GENUINE);
                yield genuine.substring(genuine.lastIndexOf('.') + 1);
            }
            case 2 -> hmac(OTHER_SECRET, signingInput);
            default -> data.consumeRemainingAsString();
        };
        return signingInput + "." + mac;
    }

    private static void assertIssuedWithTheSecret(String token, Principal principal, Principal direct) throws Exception {
        // Whitespace and control characters around the token are not part of it: Nimbus trims them, as BearerAuth does.
        String[] segments = token.trim().split("\\.", -1);
        assertThat(segments).as("a compact JWS").hasSize(3);
        assertThat(segments[2]).as("the signature, exactly as the secret's holder writes it").isEqualTo(hmac(SECRET, segments[0] + "." + segments[1]));
        JsonNode header = JSON.readTree(Base64.getUrlDecoder().decode(segments[0]));
        assertThat(header.path("alg").textValue()).isEqualTo("HS256");
        JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(segments[1]));
        assertThat(claims.path("exp").isNumber()).as("has exp").isTrue();
        assertThat(Instant.ofEpochSecond(claims.path("exp").longValue()).plus(SKEW)).as("exp").isAfterOrEqualTo(NOW);
        if (claims.has("nbf")) assertThat(Instant.ofEpochSecond(claims.path("nbf").longValue()).minus(SKEW)).as("nbf").isBeforeOrEqualTo(NOW);
        JsonNode subClaim = claims.path("sub");
        assertThat(subClaim.isTextual() || subClaim.isIntegralNumber()).as("sub is a string or a number").isTrue();
        String sub = subClaim.asText();
        assertThat(sub).isNotBlank().hasSizeLessThanOrEqualTo(255);
        assertThat(principal.user()).isEqualTo(sub);
        assertThat(principal.plan()).isEqualTo(claims.path("plan").isTextual() ? claims.path("plan").textValue() : null);
        boolean adminClaim = claims.path("admin").isBoolean() && claims.path("admin").booleanValue();
        assertThat(direct.admin()).isEqualTo(adminClaim);
        assertThat(principal.admin()).isEqualTo(adminClaim || sub.equals("root"));
    }

    private static String hmac(byte[] secret, String signingInput) throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret, "HmacSHA256"));
        return base64url(mac.doFinal(signingInput.getBytes(StandardCharsets.UTF_8)));
    }

    private static String base64url(byte[] bytes) {
        return BASE64URL.encodeToString(bytes);
    }
}
