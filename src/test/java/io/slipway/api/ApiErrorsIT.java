package io.slipway.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.slipway.auth.SigningSecret;
import io.slipway.auth.TokenService;
import io.slipway.testing.SlipwayServerExtension;
import io.slipway.testing.SlipwayServerExtension.DataDir;
import io.slipway.testing.SlipwayServerExtension.Token;
import io.slipway.testing.TestApps;
import io.slipway.testing.TestServer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What a client is told when its request is wrong in the way HTTP itself defines: a method the path does not accept
 * (405 with {@code Allow}, RFC 9110 §15.5.6), and missing or bad credentials (401 with the challenge of RFC 6750 §3),
 * on the API and on a private app. Sent with java.net.http and with curl, the client users have.
 */
class ApiErrorsIT {
    /** RFC 6750 §3: {@code Bearer realm="…"[, error="…", error_description="…"]}, values without quotes or backslashes. */
    private static final Pattern PARAM = Pattern.compile("\\s*([a-z_]+)=\"([\\x20\\x21\\x23-\\x5B\\x5D-\\x7E]*)\"\\s*(,|$)");

    @RegisterExtension
    static final SlipwayServerExtension slipway = SlipwayServerExtension.withDefaults();
    @DataDir
    static Path dataDir;
    static TestServer server;
    @Token("carol")
    static String token;

    static Stream<Arguments> wrongMethods() {
        return Stream.of(
                Arguments.of("DELETE", "/api/mcp-projects", Set.of("GET")),
                Arguments.of("PATCH", "/api/usage", Set.of("GET")),
                Arguments.of("GET", "/api/containers/upload", Set.of("POST")),
                Arguments.of("POST", "/api/containers/servers/some-id", Set.of("GET", "PUT", "PATCH", "DELETE")),
                Arguments.of("PUT", "/api/containers/servers/some-id/keys", Set.of("GET", "POST")),
                Arguments.of("GET", "/api/containers/servers/some-id/keys/some-key", Set.of("DELETE")),
                Arguments.of("DELETE", "/api/admin/users/dave", Set.of("GET", "PUT")),
                Arguments.of("POST", "/healthz", Set.of("GET", "HEAD")),
                Arguments.of("DELETE", "/readyz", Set.of("GET", "HEAD")));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("wrongMethods")
    void aMethodThePathDoesNotAcceptIs405WithTheMethodsItDoes(String method, String path, Set<String> allowed) {
        HttpResponse<String> response = server.send(HttpRequest.newBuilder(server.base().resolve(path))
                .header("Authorization", "Bearer " + token).method(method, HttpRequest.BodyPublishers.noBody()));

        assertProblem(response.statusCode(), response.headers().map(), response.body(), 405, "method-not-allowed");
        assertThat(allowOf(response.headers().firstValue("Allow").orElse(""))).isEqualTo(allowed);
        assertThat(new JsonObject(response.body()).getString("detail")).contains(method, path);
    }

    @Test
    void curlSeesTheSame405AndAllow() throws Exception {
        Curl deleted = curl("-X", "DELETE", "-H", "Authorization: Bearer " + token, server.base() + "/api/mcp-projects");
        assertProblem(deleted.status, deleted.headers, deleted.body, 405, "method-not-allowed");
        assertThat(allowOf(deleted.header("Allow"))).containsExactly("GET");

        Curl got = curl("-H", "Authorization: Bearer " + token, server.base() + "/api/containers/upload");
        assertProblem(got.status, got.headers, got.body, 405, "method-not-allowed");
        assertThat(got.header("Allow")).isEqualTo("POST");
    }

    @Test
    void headOnAGetOnlyApiPathIs405WithoutABody() {
        HttpResponse<String> head = server.send(HttpRequest.newBuilder(server.base().resolve("/api/usage"))
                .header("Authorization", "Bearer " + token).HEAD());

        assertThat(head.statusCode()).isEqualTo(405);
        assertThat(head.headers().firstValue("Allow")).contains("GET");
        assertThat(head.headers().firstValue("X-Slipway-Error")).contains("method-not-allowed");
        assertThat(head.body()).isEmpty();
    }

    @Test
    void healthAndReadinessAnswerHeadAsTheyAnswerGet() {
        for (String path : List.of("/healthz", "/readyz")) {
            HttpResponse<String> head = server.send(HttpRequest.newBuilder(server.base().resolve(path)).HEAD());
            assertThat(head.statusCode()).as(path).isEqualTo(200);
            assertThat(head.body()).isEmpty();
        }
    }

    @Test
    void headOverHttp2ComesWithoutABody() throws Exception {
        // A body in answer to HEAD is a malformed HTTP/2 response: curl fails it with PROTOCOL_ERROR (exit 92).
        Curl health = curl("--http2-prior-knowledge", "-I", server.base() + "/healthz");
        assertThat(health.status).isEqualTo(200);
        Curl refused = curl("--http2-prior-knowledge", "-I", "-H", "Authorization: Bearer " + token, server.base() + "/api/usage");
        assertThat(refused.status).isEqualTo(405);
        assertThat(refused.header("Allow")).isEqualTo("GET");
        Curl missing = curl("--http2-prior-knowledge", "-I", "-H", "Authorization: Bearer " + token, server.base() + "/api/nothing-here");
        assertThat(missing.status).isEqualTo(404);
    }

    @Test
    void aPathNoRouteServesStays404WhateverTheMethod() {
        for (String method : List.of("GET", "DELETE", "PATCH")) {
            for (String path : List.of("/api/nothing-here", "/api/containers/servers/some-id/nothing", "/nothing-here")) {
                HttpResponse<String> response = server.send(HttpRequest.newBuilder(server.base().resolve(path))
                        .header("Authorization", "Bearer " + token).method(method, HttpRequest.BodyPublishers.noBody()));
                assertProblem(response.statusCode(), response.headers().map(), response.body(), 404, "not-found");
                assertThat(response.headers().firstValue("Allow")).as(method + " " + path).isEmpty();
            }
        }
    }

    @Test
    void authenticationComesBeforeTheMethodCheck() {
        HttpResponse<String> response = server.send(HttpRequest.newBuilder(server.base().resolve("/api/mcp-projects")).DELETE());

        assertProblem(response.statusCode(), response.headers().map(), response.body(), 401, "unauthorized");
        assertThat(response.headers().firstValue("Allow")).isEmpty();
    }

    @Test
    void aRequestWithoutBearerCredentialsIsChallengedWithoutAnErrorCode() throws Exception {
        HttpResponse<String> none = server.get("/api/mcp-projects", null);
        assertProblem(none.statusCode(), none.headers().map(), none.body(), 401, "unauthorized");
        assertThat(none.headers().allValues("WWW-Authenticate")).containsExactly("Bearer realm=\"slipway\"");

        // Another scheme is "an unsupported authentication method" (RFC 6750 §3): no error code either.
        Curl basic = curl("-u", "carol:secret", server.base() + "/api/mcp-projects");
        assertProblem(basic.status, basic.headers, basic.body, 401, "unauthorized");
        assertThat(basic.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"slipway\"");
    }

    @Test
    void bearerWithoutATokenIsAnInvalidRequest() throws Exception {
        Curl empty = curl("-H", "Authorization: Bearer", server.base() + "/api/mcp-projects");

        assertProblem(empty.status, empty.headers, empty.body, 401, "unauthorized");
        Map<String, String> challenge = bearerChallenge(empty.header("WWW-Authenticate"));
        assertThat(challenge).containsEntry("realm", "slipway").containsEntry("error", "invalid_request").containsKey("error_description");
    }

    static Stream<Arguments> badTokens() {
        byte[] secret = SigningSecret.loadOrCreate(dataDir);
        String expired = new TokenService(secret, Clock.offset(Clock.systemUTC(), Duration.ofHours(-3))).mint("carol", null, Duration.ofHours(1));
        String otherSecret = new TokenService(new byte[32], Clock.systemUTC()).mint("carol", null, Duration.ofHours(1));
        return Stream.of(
                Arguments.of("garbage", "not-a-jwt", "the token is not a signed JWT"),
                Arguments.of("expired", expired, "the token has expired"),
                Arguments.of("signed with another secret", otherSecret, "the token's signature does not verify"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badTokens")
    void aBadTokenIsChallengedWithInvalidTokenAndTheReason(String what, String badToken, String reason) {
        HttpResponse<String> response = server.get("/api/mcp-projects", badToken);

        assertProblem(response.statusCode(), response.headers().map(), response.body(), 401, "invalid-token");
        assertThat(response.headers().allValues("WWW-Authenticate")).hasSize(1);
        Map<String, String> challenge = bearerChallenge(response.headers().firstValue("WWW-Authenticate").orElseThrow());
        assertThat(challenge).containsEntry("realm", "slipway").containsEntry("error", "invalid_token");
        assertThat(challenge.get("error_description")).isEqualTo(reason);
        assertThat(new JsonObject(response.body()).getString("detail")).isEqualTo(reason);
    }

    @Test
    void aPrivateAppChallengesLikeTheApi() throws Exception {
        String owner = server.token("erin");
        String app = server.deploy(owner, "index.js", TestApps.source("hello.js"), Map.of("private", "true")).getString("id");
        String path = server.base() + "/containers/" + app + "/";

        Curl none = curl(path);
        assertProblem(none.status, none.headers, none.body, 401, "unauthorized");
        assertThat(none.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"slipway\"");

        String expired = new TokenService(SigningSecret.loadOrCreate(dataDir), Clock.offset(Clock.systemUTC(), Duration.ofHours(-3)))
                .mint("erin", null, Duration.ofHours(1));
        for (String[] credential : List.of(new String[] {"Authorization", "Bearer not-a-jwt"}, new String[] {"Authorization", "Bearer " + expired},
                new String[] {"Authorization", "Bearer " + server.token("frank")}, new String[] {"X-Slipway-Key", "slw_0000"})) {
            Curl refused = curl("-H", credential[0] + ": " + credential[1], path);
            assertProblem(refused.status, refused.headers, refused.body, 401, "unauthorized");
            Map<String, String> challenge = bearerChallenge(refused.header("WWW-Authenticate"));
            assertThat(challenge).as(credential[1]).containsEntry("realm", "slipway").containsEntry("error", "invalid_token")
                    .containsKey("error_description");
        }
        assertThat(curl("-H", "Authorization: Bearer " + owner, path).status).isEqualTo(200);
    }

    private static void assertProblem(int status, Map<String, List<String>> headers, String body, int expected, String slug) {
        assertThat(status).as(body).isEqualTo(expected);
        Map<String, List<String>> byName = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        byName.putAll(headers);
        assertThat(byName.get("Content-Type")).containsExactly("application/problem+json");
        assertThat(byName.get("X-Slipway-Error")).containsExactly(slug);
        JsonObject problem = new JsonObject(body);
        assertThat(problem.getString("type")).endsWith("/problems/" + slug);
        assertThat(problem.getInteger("status")).isEqualTo(expected);
    }

    private static Set<String> allowOf(String header) {
        return Arrays.stream(header.split(",")).map(String::trim).filter(s -> !s.isEmpty()).collect(Collectors.toCollection(java.util.LinkedHashSet::new));
    }

    /** The parameters of a Bearer challenge; fails unless the header is one, in RFC 6750's grammar. */
    private static Map<String, String> bearerChallenge(String header) {
        assertThat(header).startsWith("Bearer ");
        Map<String, String> params = new java.util.LinkedHashMap<>();
        Matcher m = PARAM.matcher(header.substring("Bearer ".length()));
        int end = 0;
        while (m.find() && m.start() == end) {
            params.put(m.group(1), m.group(2));
            end = m.end();
        }
        assertThat(end).as("a well-formed challenge: " + header).isEqualTo(header.length() - "Bearer ".length());
        return params;
    }

    private record Curl(int status, Map<String, List<String>> headers, String body) {
        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name)).map(e -> e.getValue().getFirst())
                    .findFirst().orElse(null);
        }
    }

    /** curl as a user runs it, with the response's head written to a file apart from its body. */
    private static Curl curl(String... args) throws IOException, InterruptedException {
        Path head = java.nio.file.Files.createTempFile(dataDir, "curl", ".head");
        List<String> command = new ArrayList<>(List.of("curl", "-sS", "--max-time", "30", "-D", head.toString()));
        command.addAll(List.of(args));
        Process curl = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String body = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(curl.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(curl.exitValue()).as("curl's exit code").isZero();
        List<String> lines = java.nio.file.Files.readAllLines(head, StandardCharsets.ISO_8859_1);
        int status = Integer.parseInt(lines.getFirst().split(" ")[1]);
        Map<String, List<String>> headers = new java.util.LinkedHashMap<>();
        for (String line : lines.subList(1, lines.size())) {
            int colon = line.indexOf(':');
            if (colon > 0) headers.computeIfAbsent(line.substring(0, colon).trim(), k -> new ArrayList<>()).add(line.substring(colon + 1).trim());
        }
        return new Curl(status, headers, body);
    }
}
