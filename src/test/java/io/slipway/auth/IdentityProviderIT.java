package io.slipway.auth;

import static io.slipway.testing.TestIdentityProvider.AUDIENCE;
import static io.slipway.testing.TestIdentityProvider.ISSUER;
import static io.slipway.testing.TestIdentityProvider.claims;
import static io.slipway.testing.TestIdentityProvider.token;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.RSAKey;
import io.slipway.testing.TestApps;
import io.slipway.testing.TestIdentityProvider;
import io.slipway.testing.TestServer;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Slipway with an identity provider and local tokens turned off: the provider's tokens deploy, list and open private
 * apps, on the plan they name; a token signed with a key the provider rotated in works at once.
 */
class IdentityProviderIT {
    private static final RSAKey KEY = TestIdentityProvider.rsaKey("idp-1");

    @TempDir
    static Path dataDir;
    static TestIdentityProvider idp;
    static TestServer server;

    @BeforeAll
    static void start() {
        idp = TestIdentityProvider.start(KEY);
        // A short refetch interval: each test that rotates a key gets its refetch, whatever ran before it.
        server = TestServer.start(TestServer.config(dataDir, Map.of("auth.jwksUrl", idp.jwksUrl().toString(), "auth.issuer", ISSUER,
                "auth.audience", AUDIENCE, "auth.localTokens", "false", "auth.jwksMinRefreshInterval", "100ms")));
    }

    @AfterAll
    static void stop() {
        server.close();
        idp.close();
    }

    @Test
    void providersTokenDeploysAndListsAnAppOnThePlanItNames() {
        String token = token(KEY, claims("carol").claim("plan", "pro"));

        JsonObject app = server.deploy(token, "index.js", TestApps.source("hello.js"), Map.of());

        assertThat(app.getString("plan")).isEqualTo("pro");
        var projects = new JsonObject(server.get("/api/mcp-projects", token).body()).getJsonArray("projects");
        assertThat(projects.stream().map(p -> ((JsonObject) p).getString("id"))).containsExactly(app.getString("id"));
        assertThat(new JsonObject(server.get("/api/usage", token).body()).getString("plan")).isEqualTo("pro");
    }

    @Test
    void locallyMintedTokenIsRefusedWhenLocalTokensAreOff() {
        HttpResponse<String> response = server.get("/api/mcp-projects", server.token("alice"));

        assertThat(response.statusCode()).isEqualTo(401);
        JsonObject problem = new JsonObject(response.body());
        assertThat(problem.getString("type")).endsWith("/problems/invalid-token");
        assertThat(problem.getString("detail")).contains("not accepted");
    }

    @Test
    void privateAppAnswersItsOwnersProviderTokenWhichNeverReachesIt() {
        String owner = token(KEY, "dave");
        String id = server.deploy(owner, "index.js", TestApps.source("hello.js"), Map.of("private", "true")).getString("id");

        HttpResponse<String> answered = call(id, owner);
        assertThat(answered.statusCode()).isEqualTo(200);
        assertThat(new JsonObject(answered.body()).getString("authorization")).isNull();
        assertThat(call(id, token(KEY, "erin")).statusCode()).isEqualTo(401);
        assertThat(call(id, server.token("dave")).statusCode()).as("a local token, with local tokens off").isEqualTo(401);
    }

    @Test
    void tokenSignedWithARotatedKeyUploadsAfterOneFetch() {
        RSAKey rotated = TestIdentityProvider.rsaKey("idp-2");
        idp.publish(KEY, rotated);
        int fetches = idp.fetches();

        // The upload's body arrives while Slipway fetches the new key: it must wait for the verdict, not be lost.
        JsonObject app = server.deploy(token(rotated, "frank"), "index.js", TestApps.source("hello.js"), Map.of());

        assertThat(app.getString("status")).isNotEqualTo("failed");
        assertThat(idp.fetches()).isEqualTo(fetches + 1);
    }

    private static HttpResponse<String> call(String app, String token) {
        return server.send(HttpRequest.newBuilder(server.base().resolve("/containers/" + app + "/")).header("Authorization", "Bearer " + token)
                .GET());
    }
}
