package io.slipway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.slipway.testing.RawHttp;
import io.slipway.testing.SlipwayServerExtension;
import io.slipway.testing.SlipwayServerExtension.Token;
import io.slipway.testing.TestApps;
import io.slipway.testing.TestServer;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Who may call an app: anyone for a public app; its owner's token or one of its keys for a private one. */
class PrivateAppsIT {
    @RegisterExtension
    static final SlipwayServerExtension slipway = SlipwayServerExtension.withDefaults();
    static TestServer server;
    @Token("alice")
    static String alice;
    @Token("bob")
    static String bob;
    static String privateApp;
    static String publicApp;

    @BeforeAll
    static void deployApps() {
        privateApp = server.deploy(alice, "index.js", TestApps.source("hello.js"), Map.of("private", "true")).getString("id");
        publicApp = server.deploy(alice, "index.js", TestApps.source("hello.js"), Map.of()).getString("id");
    }

    @Test
    void privateAppRefusesCallersWithoutItsOwnersTokenOrAKey() {
        assertThat(server.server(alice, privateApp).getBoolean("private")).isTrue();
        for (String authorization : new String[] {null, "Bearer " + bob, "Bearer slw_0000", "Bearer not-a-token"}) {
            HttpResponse<String> response = call(privateApp, authorization, null);
            assertThat(response.statusCode()).as(String.valueOf(authorization)).isEqualTo(401);
            assertThat(response.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer realm="));
            assertThat(new JsonObject(response.body()).getString("type")).endsWith("/problems/unauthorized");
        }
    }

    @Test
    void ownersTokenOpensThePrivateAppAndNeverReachesIt() {
        HttpResponse<String> response = call(privateApp, "Bearer " + alice, null);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(new JsonObject(response.body()).getString("authorization")).isNull();
    }

    @Test
    void apiKeyOpensThePrivateAppInEitherHeaderUntilItIsRevoked() {
        HttpResponse<String> created = server.send(HttpRequest.newBuilder(server.base().resolve("/api/containers/servers/" + privateApp + "/keys"))
                .header("Authorization", "Bearer " + alice).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"ci\"}")));
        assertThat(created.statusCode()).isEqualTo(201);
        JsonObject key = new JsonObject(created.body());
        String secret = key.getString("key");

        HttpResponse<String> viaHeader = call(privateApp, "Bearer the-apps-own-token", secret);
        assertThat(viaHeader.statusCode()).isEqualTo(200);
        assertThat(new JsonObject(viaHeader.body()).getString("authorization")).as("the app's own Authorization passes").isEqualTo("Bearer the-apps-own-token");
        HttpResponse<String> viaBearer = call(privateApp, "Bearer " + secret, null);
        assertThat(viaBearer.statusCode()).isEqualTo(200);
        assertThat(new JsonObject(viaBearer.body()).getString("authorization")).as("the key never reaches the app").isNull();

        String listed = server.get("/api/containers/servers/" + privateApp + "/keys", alice).body();
        assertThat(listed).contains(key.getString("id"), "\"name\":\"ci\"").doesNotContain(secret);
        assertThat(server.delete("/api/containers/servers/" + privateApp + "/keys/" + key.getString("id"), alice).statusCode()).isEqualTo(204);
        assertThat(call(privateApp, null, secret).statusCode()).isEqualTo(401);
    }

    @Test
    void anotherUserCanNeitherCreateNorListNorRevokeKeysOfTheApp() {
        assertThat(server.send(HttpRequest.newBuilder(server.base().resolve("/api/containers/servers/" + privateApp + "/keys"))
                .header("Authorization", "Bearer " + bob).POST(HttpRequest.BodyPublishers.noBody())).statusCode()).isEqualTo(404);
        assertThat(server.get("/api/containers/servers/" + privateApp + "/keys", bob).statusCode()).isEqualTo(404);
        assertThat(server.delete("/api/containers/servers/" + privateApp + "/keys/whatever", bob).statusCode()).isEqualTo(404);
    }

    @Test
    void publicAppIsOpenToAllAndSlipwayTokensAreStrippedButTheAppsOwnAuthorizationPasses() {
        assertThat(call(publicApp, null, null).statusCode()).isEqualTo(200);
        assertThat(new JsonObject(call(publicApp, "Bearer " + bob, null).body()).getString("authorization")).isNull();
        assertThat(new JsonObject(call(publicApp, "Basic dXNlcjpwYXNz", null).body()).getString("authorization")).isEqualTo("Basic dXNlcjpwYXNz");
    }

    /**
     * However a client spells or repeats it, a Slipway credential never reaches an app: a second Authorization after a
     * Basic one, a tab or several spaces after the scheme, another case, a bare token, a list in one value, the token as
     * a Basic password, an expired token of Slipway's, an API key. The app's own credentials beside them pass.
     */
    @Test
    void slipwayCredentialsAreRemovedHoweverTheyAreSpelledOrRepeated() {
        String key = new JsonObject(server.send(HttpRequest.newBuilder(server.base().resolve("/api/containers/servers/" + privateApp + "/keys"))
                .header("Authorization", "Bearer " + alice).POST(HttpRequest.BodyPublishers.noBody())).body()).getString("key");
        String expired = server.expiredToken("alice");
        String basicWithToken = "Basic " + java.util.Base64.getEncoder().encodeToString(("x:" + alice).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        List<List<String>> attempts = List.of(
                List.of("Basic dXNlcjpwYXNz", "Bearer " + alice),
                List.of("Bearer\t" + alice),
                List.of("bearer    " + alice + "  "),
                List.of("BEARER " + alice),
                List.of(alice),
                List.of("Basic dXNlcjpwYXNz, Bearer " + alice),
                List.of(basicWithToken, "Bearer " + alice),
                List.of("Bearer " + key, "Bearer " + alice),
                List.of("Bearer the-apps-own", "Bearer\t" + key));
        for (String app : List.of(publicApp, privateApp)) {
            for (List<String> values : attempts) {
                RawHttp.Answer response = callRaw(app, values);
                assertThat(response.status()).as("%s with %s: %s", app, values, response.body()).isEqualTo(200);
                String seen = new JsonObject(response.body()).getJsonArray("rawHeaders").encode();
                assertThat(seen).as("what the app saw of %s", values).doesNotContain(alice).doesNotContain(key)
                        .doesNotContain(basicWithToken.substring(6));
                // A value is removed whole: the Basic one survives as a header of its own, not in a list with a token.
                if (values.getFirst().equals("Basic dXNlcjpwYXNz")) assertThat(seen).contains("Basic dXNlcjpwYXNz");
                if (values.getFirst().equals("Bearer the-apps-own")) assertThat(seen).contains("Bearer the-apps-own");
            }
            String seen = new JsonObject(callRaw(app, List.of("Bearer " + expired, "Bearer " + alice)).body()).getJsonArray("rawHeaders").encode();
            assertThat(seen).as("an expired token of Slipway's").doesNotContain(expired);
        }
        RawHttp.Answer flood = callRaw(publicApp, java.util.Collections.nCopies(SlipwayCredentials.MAX_VALUES + 1, "Bearer x.y.z"));
        assertThat(flood.status()).isEqualTo(400);
        assertThat(flood.body()).contains("/problems/too-many-credentials");
    }

    /** A GET with these Authorization values, each a header of its own, exactly as spelled. */
    private static RawHttp.Answer callRaw(String app, List<String> authorizations) {
        StringBuilder request = new StringBuilder("GET /containers/" + app + "/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
        authorizations.forEach(a -> request.append("Authorization: ").append(a).append("\r\n"));
        return RawHttp.exchange(server.base(), request.append("\r\n").toString(), Duration.ofSeconds(10));
    }

    private static HttpResponse<String> call(String app, String authorization, String key) {
        HttpRequest.Builder request = HttpRequest.newBuilder(server.base().resolve("/containers/" + app + "/"));
        if (authorization != null) request.header("Authorization", authorization);
        if (key != null) request.header(ContainerProxy.KEY_HEADER, key);
        return server.send(request.GET());
    }
}
