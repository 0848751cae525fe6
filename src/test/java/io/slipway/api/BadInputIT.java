package io.slipway.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import io.slipway.auth.SigningSecret;
import io.slipway.auth.TokenService;
import io.slipway.testing.Multipart;
import io.slipway.testing.SandboxProcesses;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Bad uploads and bad tokens are refused with a problem that says why, and nothing is written or run. */
class BadInputIT {
    @RegisterExtension
    static final SlipwayServerExtension slipway = SlipwayServerExtension.withDefaults();
    @DataDir
    static Path dataDir;
    static TestServer server;
    @Token("mallory")
    static String token;

    @BeforeAll
    static void awaitEsbuild() {
        // esbuild installs in the background at start, through tmp/; wait for it so that tmp/ holds only uploads.
        await().atMost(Duration.ofMinutes(2)).until(() -> Files.isDirectory(dataDir.resolve("tools/esbuild-0.28.2")));
    }

    static Stream<Arguments> badUploads() {
        String js = TestApps.source("hello.js");
        return Stream.of(
                Arguments.of("no file", new Multipart().field("name", "x"), 400, "missing-file"),
                Arguments.of("path in the file name", new Multipart().file("../../etc/index.js", js), 400, "invalid-file-name"),
                Arguments.of("absolute file name", new Multipart().file("/tmp/index.js", js), 400, "invalid-file-name"),
                Arguments.of("unknown extension", new Multipart().file("index.sh", "echo hi"), 400, "unsupported-file-type"),
                Arguments.of("empty file", new Multipart().file("index.js", ""), 400, "empty-file"),
                Arguments.of("binary junk", new Multipart().file("file", "index.js", new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1}), 400, "invalid-file-content"),
                Arguments.of("oversize file", new Multipart().file("file", "index.js", new byte[1024 * 1024 + 1]), 413, "file-too-large"),
                Arguments.of("shell in requirements", new Multipart().file("index.js", js).field("requirements", "express; rm -rf /"), 400, "invalid-requirements"),
                Arguments.of("URL requirement", new Multipart().file("index.js", js).field("requirements", "https://evil.example/x.tgz"), 400, "invalid-requirements"),
                Arguments.of("flag requirement", new Multipart().file("index.js", js).field("requirements", "--registry=http://evil"), 400, "invalid-requirements"),
                Arguments.of("git requirement", new Multipart().file("index.js", js).field("requirements", "github:user/repo"), 400, "invalid-requirements"),
                Arguments.of("pip path requirement", new Multipart().file("app.py", "print(1)").field("requirements", "./local/pkg"), 400, "invalid-requirements"),
                Arguments.of("unknown runtime", new Multipart().file("index.js", js).field("runtime", "ruby"), 400, "invalid-runtime"),
                Arguments.of("runtime mismatch", new Multipart().file("index.js", js).field("runtime", "python"), 400, "invalid-runtime"),
                Arguments.of("bad sleepAfter", new Multipart().file("index.js", js).field("sleepAfter", "soon"), 400, "invalid-sleep-after"),
                Arguments.of("Slipway's shim's name with another extension", new Multipart().file("slipway-workers-shim.js", "export default { fetch() {} }"),
                        400, "invalid-file-name"),
                Arguments.of("healthPath without its slash", new Multipart().file("index.js", js).field("healthPath", "healthz"), 400, "invalid-health-path"),
                Arguments.of("healthPath naming another host", new Multipart().file("index.js", js).field("healthPath", "//evil.example/x"), 400,
                        "invalid-health-path"),
                Arguments.of("healthPath splitting the probe's request", new Multipart().file("index.js", js).field("healthPath", "/x HTTP/1.1\r\nX-A: b"),
                        400, "invalid-health-path"),
                Arguments.of("healthPath climbing out", new Multipart().file("index.js", js).field("healthPath", "/a/../../etc"), 400, "invalid-health-path"),
                Arguments.of("healthPath too long", new Multipart().file("index.js", js).field("healthPath", "/" + "a".repeat(300)), 400, "invalid-health-path"),
                Arguments.of("unknown transport", new Multipart().file("index.js", js).field("transport", "grpc"), 400, "invalid-transport"),
                Arguments.of("mcp not a path", new Multipart().file("index.js", js).field("mcp", "mcp here"), 400, "invalid-mcp"),
                Arguments.of("stdio served elsewhere", new Multipart().file("index.js", js).field("transport", "stdio").field("mcp", "/other"), 400,
                        "invalid-mcp"),
                Arguments.of("zero sleepAfter", new Multipart().file("index.js", js).field("sleepAfter", "0s"), 400, "invalid-sleep-after"),
                Arguments.of("huge sleepAfter", new Multipart().file("index.js", js).field("sleepAfter", "30d"), 400, "invalid-sleep-after"),
                Arguments.of("env not an object", new Multipart().file("index.js", js).field("env", "[1,2]"), 400, "invalid-env"),
                Arguments.of("env with number value", new Multipart().file("index.js", js).field("env", "{\"A\":1}"), 400, "invalid-env"),
                Arguments.of("env overriding PORT", new Multipart().file("index.js", js).field("env", "{\"PORT\":\"1\"}"), 400, "invalid-env"),
                Arguments.of("internet not available", new Multipart().file("index.js", js).field("internet", "true"), 400, "internet-unavailable"),
                Arguments.of("internet not a boolean", new Multipart().file("index.js", js).field("internet", "yes"), 400, "invalid-internet"),
                Arguments.of("bad name", new Multipart().file("index.js", js).field("name", "Not A Slug!"), 400, "invalid-name"),
                Arguments.of("two files", new Multipart().file("index.js", js).file("other", "b.js", new byte[] {'x'}), 400, "invalid-form"),
                Arguments.of("NUL byte in the file name", new Multipart().file("index\u0000.js", js), 400, "invalid-file-name"),
                Arguments.of("right-to-left override in the file name", new Multipart().file("index\u202Esj.ts", js), 400, "invalid-file-name"),
                Arguments.of("fullwidth letters in the name", new Multipart().file("index.js", js).field("name", "\uFF41\uFF50\uFF50"), 400, "invalid-name"),
                Arguments.of("shell in a version", new Multipart().file("index.js", js).field("requirements", "express@$(id)"), 400, "invalid-requirements"),
                Arguments.of("too many requirements", new Multipart().file("index.js", js).field("requirements",
                        String.join(",", IntStream.range(0, 51).mapToObj(i -> "package-" + i).toList())), 400, "invalid-requirements"),
                Arguments.of("negative sleepAfter", new Multipart().file("index.js", js).field("sleepAfter", "-5m"), 400, "invalid-sleep-after"),
                Arguments.of("env name with '='", new Multipart().file("index.js", js).field("env", "{\"A=B\":\"x\"}"), 400, "invalid-env"),
                Arguments.of("NUL byte in an env value", new Multipart().file("index.js", js).field("env", "{\"A\":\"x\\u0000y\"}"), 400, "invalid-env"),
                Arguments.of("env that is not JSON", new Multipart().file("index.js", js).field("env", "A=1"), 400, "invalid-env"),
                Arguments.of("Slipway's own file name", new Multipart().file("slipway-workers-shim.mjs", "export default {};\n"), 400, "invalid-file-name"),
                // Refused before the requirements are installed, with nothing left behind.
                Arguments.of("local import", new Multipart().file("index.ts", TestApps.source("local-import.ts")), 422, "local-import"),
                Arguments.of("local require", new Multipart().file("index.js", "const lib = require('../lib');\n").field("requirements", "left-pad"),
                        422, "local-import"),
                Arguments.of("local re-export", new Multipart().file("index.mjs", "export * from './y';\n"), 422, "local-import"),
                Arguments.of("local dynamic import", new Multipart().file("index.js", "const x = await import('./x.js');\n"), 422, "local-import"),
                Arguments.of("python relative import", new Multipart().file("app.py", "from . import helper\n").field("requirements", "fastapi"),
                        422, "local-import"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badUploads")
    void badUploadIsRefusedWithAProblemAndWritesNothing(String what, Multipart form, int status, String slug) throws IOException {
        HttpResponse<String> response = server.upload(token, form);

        assertProblem(response, status, slug);
        assertNothingWasCreated();
    }

    @Test
    void uploadThatIsNotMultipartIsRefused() throws IOException {
        HttpResponse<String> response = post("application/json", "{\"file\":\"x\"}".getBytes(StandardCharsets.UTF_8));

        assertProblem(response, 415, "not-multipart");
        assertNothingWasCreated();
    }

    @Test
    void multipartCutOffBeforeItsEndIsRefused() throws IOException {
        Multipart form = new Multipart().file("index.js", TestApps.source("hello.js"));
        byte[] whole = form.bytes();
        byte[] cut = java.util.Arrays.copyOf(whole, whole.length - 40);
        HttpResponse<String> response = post(form.contentType(), cut);

        assertThat(response.statusCode()).as(response.body()).isBetween(400, 499);
        assertThat(response.headers().firstValue("Content-Type")).contains("application/problem+json");
        assertNothingWasCreated();
    }

    @Test
    void multipartWithoutABoundaryIsRefused() throws IOException {
        HttpResponse<String> response = post("multipart/form-data", "file=index.js".getBytes(StandardCharsets.UTF_8));

        assertThat(response.statusCode()).as(response.body()).isBetween(400, 499);
        assertThat(response.headers().firstValue("Content-Type")).contains("application/problem+json");
        assertNothingWasCreated();
    }

    @Test
    void uploadWithOversizeHeadersIsRefused() throws IOException {
        Multipart form = new Multipart().file("index.js", TestApps.source("hello.js"));
        HttpResponse<String> response = post(form.contentType(), form.bytes(), "X-Padding", "x".repeat(32 * 1024));

        assertProblem(response, 431, "headers-too-large");
        assertNothingWasCreated();
    }

    @Test
    void buildThatFailsAnswersWithItsLogAndLeavesNothingBehind() throws IOException {
        HttpResponse<String> response = server.upload(token, new Multipart().file("index.js", TestApps.source("hello.js"))
                .field("requirements", "this-package-does-not-exist-slipway-test-0xdeadbeef"));

        assertProblem(response, 422, "build-failed");
        assertThat(new JsonObject(response.body()).getString("logTail")).contains("npm");
        assertNothingWasCreated();
    }

    static Stream<Arguments> badTokens() throws Exception {
        byte[] otherKey = "another-secret-that-is-32-bytes-long!!".getBytes(StandardCharsets.UTF_8);
        JWTClaimsSet valid = new JWTClaimsSet.Builder().subject("mallory").expirationTime(Date.from(Instant.now().plusSeconds(600))).build();
        SignedJWT wrongKey = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), valid);
        wrongKey.sign(new MACSigner(otherKey));
        SignedJWT hs512 = new SignedJWT(new JWSHeader(JWSAlgorithm.HS512), valid);
        hs512.sign(new MACSigner(new byte[64]));
        String good = server.token("mallory");
        String[] parts = good.split("\\.");
        String tamperedClaims = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                "{\"sub\":\"admin\",\"exp\":9999999999}".getBytes(StandardCharsets.UTF_8));
        byte[] secret = SigningSecret.loadOrCreate(dataDir);
        String expired = new TokenService(secret, Clock.offset(Clock.systemUTC(), Duration.ofHours(-3))).mint("mallory", null, Duration.ofHours(1));
        String notYetValid = new TokenService(secret, Clock.offset(Clock.systemUTC(), Duration.ofHours(3))).mint("mallory", null, Duration.ofHours(1));
        // RS256 named in the header, signed with the server's HMAC secret: a verifier that took the algorithm from
        // the token would check an RSA signature with whatever key it has, or an HMAC with the public key.
        String rsHeader = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                "{\"alg\":\"RS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
        javax.crypto.Mac hmac = javax.crypto.Mac.getInstance("HmacSHA256");
        hmac.init(new javax.crypto.spec.SecretKeySpec(secret, "HmacSHA256"));
        String rsSigningInput = rsHeader + "." + parts[1];
        String rsConfused = rsSigningInput + "." + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                hmac.doFinal(rsSigningInput.getBytes(StandardCharsets.US_ASCII)));
        return Stream.of(
                Arguments.of("garbage", "not-a-jwt", "invalid-token"),
                Arguments.of("alg none", new PlainJWT(valid).serialize(), "invalid-token"),
                Arguments.of("wrong key", wrongKey.serialize(), "invalid-token"),
                Arguments.of("HS512", hs512.serialize(), "invalid-token"),
                Arguments.of("tampered claims", parts[0] + "." + tamperedClaims + "." + parts[2], "invalid-token"),
                Arguments.of("expired", expired, "invalid-token"),
                Arguments.of("not valid before a future time", notYetValid, "invalid-token"),
                Arguments.of("RS256 header on an HMAC signature", rsConfused, "invalid-token"),
                Arguments.of("empty", "", "unauthorized"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badTokens")
    void badTokenIsRefusedWith401(String what, String badToken, String slug) {
        HttpResponse<String> response = server.get("/api/mcp-projects", badToken.isEmpty() ? null : badToken);

        assertProblem(response, 401, slug);
        assertThat(response.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer realm="));
    }

    @Test
    void unknownIdAndIdWithTraversalAreNotFound() {
        assertProblem(server.get("/api/containers/servers/doesnotexist", token), 404, "not-found");
        assertProblem(server.get("/api/containers/servers/..%2F..%2Fetc", token), 404, "not-found");
        assertProblem(server.get("/api/containers/servers/x'%20OR%20'1'='1", token), 404, "not-found");
        assertProblem(server.call("..%2Fapi", "/"), 404, "not-found");
    }

    @AfterEach
    void nothingLeftRunning() {
        assertThat(server.get("/api/mcp-projects", token).body()).isEqualTo("{\"projects\":[]}");
    }

    /** An upload sent by hand, for bodies {@link Multipart} would not make; {@code headers} are name, value pairs. */
    private static HttpResponse<String> post(String contentType, byte[] body, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(server.base().resolve("/api/containers/upload"))
                .header("Authorization", "Bearer " + token).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        for (int i = 0; i < headers.length; i += 2) request.header(headers[i], headers[i + 1]);
        return server.send(request);
    }

    private static void assertProblem(HttpResponse<String> response, int status, String slug) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).contains("application/problem+json");
        JsonObject problem = new JsonObject(response.body());
        assertThat(problem.getString("type")).endsWith("/problems/" + slug);
        assertThat(problem.getInteger("status")).isEqualTo(status);
        assertThat(problem.getString("detail")).isNotBlank();
    }

    private static void assertNothingWasCreated() throws IOException {
        assertThat(server.get("/api/mcp-projects", token).body()).isEqualTo("{\"projects\":[]}");
        try (var apps = Files.list(dataDir.resolve("apps"))) {
            assertThat(apps).isEmpty();
        }
        try (var logs = Files.list(dataDir.resolve("logs"))) {
            assertThat(logs.map(p -> p.getFileName().toString())).allMatch(n -> n.equals("tools.log"));
        }
        try (var tmp = Files.list(dataDir.resolve("tmp"))) {
            assertThat(tmp.map(p -> p.getFileName().toString())).allMatch(n -> n.equals("uploads"));
        }
        // Uploaded files are deleted when the request ends, just after the answer.
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            if (!Files.exists(dataDir.resolve("tmp/uploads"))) return;
            try (var uploads = Files.list(dataDir.resolve("tmp/uploads"))) {
                assertThat(uploads).isEmpty();
            }
        });
        if (Files.exists(dataDir.resolve("deps/node"))) {
            try (var deps = Files.list(dataDir.resolve("deps/node"))) {
                assertThat(deps).isEmpty();
            }
        }
        assertThat(SandboxProcesses.countOf(dataDir)).as("sandbox and build processes").isZero();
    }
}
