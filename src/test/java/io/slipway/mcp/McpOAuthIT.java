package io.slipway.mcp;

import static io.slipway.testing.TestIdentityProvider.AUDIENCE;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.RSAKey;
import io.slipway.testing.Commands;
import io.slipway.testing.Curl;
import io.slipway.testing.McpCommandLineClients;
import io.slipway.testing.NodeClient;
import io.slipway.testing.RawHttp;
import io.slipway.testing.SlipwayServerExtension;
import io.slipway.testing.SlipwayServerExtension.Token;
import io.slipway.testing.TestApps;
import io.slipway.testing.TestIdentityProvider;
import io.slipway.testing.TestServer;
import io.slipway.testing.TypeScriptMcpClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A private MCP server as an OAuth protected resource (MCP authorization 2025-06-18 and 2025-11-25, RFC 9728, RFC 8707),
 * walked as MCP clients walk it: the 401 names the metadata, the metadata names the server and the identity provider,
 * the provider's metadata names its token endpoint, a token for the server opens it. The provider is the test one,
 * grown an authorization server; the server is on the TypeScript SDK, at its own host ({@code apps.localhost}) and under
 * {@code /containers/}. The owner's Slipway token and the app's API keys open it as before; tokens for anything or
 * anyone else do not.
 */
class McpOAuthIT {
    private static final RSAKey KEY = TestIdentityProvider.rsaKey("idp-oauth");
    private static final String SECRET = "alices-agent-secret";
    static final TestIdentityProvider idp = TestIdentityProvider.start(KEY).addClient("alices-agent", SECRET, "alice")
            .addClient("bobs-agent", "bobs-agent-secret", "bob");

    @RegisterExtension
    static final SlipwayServerExtension slipway = SlipwayServerExtension.withKeys(Map.of("routing.appDomain", "apps.localhost",
            "auth.jwksUrl", idp.jwksUrl().toString(), "auth.issuer", idp.issuer(), "auth.audience", AUDIENCE));
    static TestServer server;
    @Token("alice")
    static String alice;
    @Token("bob")
    static String bob;
    static TypeScriptMcpClient client;
    /** Alice's private MCP server on the SDK. */
    static String mcp;
    /** Alice's private app that tells what it received; a private MCP server too, as its MCP setting is auto. */
    static String echo;
    /** Alice's public app that tells what it received. */
    static String open;
    /** Alice's private app whose MCP setting is off: no MCP server. */
    static String notMcp;

    @BeforeAll
    static void deployPrivateServers() {
        client = TypeScriptMcpClient.install();
        mcp = server.deploy(alice, "index.ts", TestApps.source("mcp.ts"), Map.of("requirements", "@modelcontextprotocol/sdk zod express",
                "private", "true")).getString("id");
        echo = server.deploy(alice, "index.js", TestApps.source("mcp-echo.js"), Map.of("private", "true")).getString("id");
        open = server.deploy(alice, "index.js", TestApps.source("hello.js"), Map.of()).getString("id");
        notMcp = server.deploy(alice, "index.js", TestApps.source("hello.js"), Map.of("private", "true", "mcp", "off")).getString("id");
    }

    @AfterAll
    static void stopIdentityProvider() {
        idp.close();
    }

    /** The endpoint in the server JSON: the app's own host. */
    static String endpoint(String id) {
        return "http://" + id + ".apps.localhost:" + server.base().getPort();
    }

    /** Where the app is reached on Slipway's host, with the host of {@code publicUrl} (localhost by default). */
    static String underContainers(String id) {
        return "http://localhost:" + server.base().getPort() + "/containers/" + id;
    }

    @Test
    void theSdkClientFindsTheIdentityProviderGetsATokenForTheServerAndCallsItsToolsAtEitherUrl() {
        assertThat(server.server(alice, mcp).getString("endpoint")).isEqualTo(endpoint(mcp));
        for (String base : List.of(endpoint(mcp), underContainers(mcp))) {
            JsonObject answer = client.listToolsAndAddWithClientCredentials(base + "/mcp", "alices-agent", SECRET);

            assertThat(answer.getJsonArray("tools").getList()).contains("add");
            assertThat(answer.getString("result")).isEqualTo("5");
            List<String> requests = answer.getJsonArray("requests").stream().map(r -> (JsonObject) r)
                    .map(r -> r.getString("method") + " " + r.getString("url") + " " + r.getInteger("status")).toList();
            assertThat(requests).as("the discovery, in order").startsWith(
                    "POST " + base + "/mcp 401",
                    "GET " + base + "/.well-known/oauth-protected-resource 200",
                    "GET " + idp.issuer() + "/.well-known/oauth-authorization-server 200",
                    "POST " + idp.issuer() + "/token 200",
                    "POST " + base + "/mcp 200");
            assertThat(idp.issued().getLast().getAudience()).as("RFC 8707: the token is for the server").containsExactly(base + "/mcp");
        }
    }

    @Test
    void mcpRemoteUnderADesktopClientDoesTheSameDiscoveryAndTheInspectorCliCallsWithTheTokenAsAHeader(@TempDir Path home) {
        McpCommandLineClients commandLine = McpCommandLineClients.install();
        String clientInfo = new JsonObject().put("client_id", "alices-agent").put("client_secret", SECRET).encode();
        for (String base : List.of(endpoint(mcp), underContainers(mcp))) {
            NodeClient.Run run = commandLine.throughMcpRemote(home.resolve(base.contains("/containers/") ? "under-containers" : "own-host"), base + "/mcp",
                    "--client-credentials", "--static-oauth-client-info", clientInfo);

            JsonObject answer = Commands.printedJson(run.exitCode(), run.stdout(), run.stderr());
            assertThat(answer.getJsonArray("tools").getList()).contains("add");
            assertThat(answer.getString("result")).isEqualTo("5");
            assertThat(idp.issued().getLast().getAudience()).as("RFC 8707: the token mcp-remote got is for the server")
                    .containsExactly(base + "/mcp");
        }
        String token = tokenFor("alices-agent", SECRET, endpoint(mcp) + "/mcp");
        JsonObject listed = commandLine.inspect(home, endpoint(mcp) + "/mcp", "tools/list", "--header", "Authorization: Bearer " + token);
        assertThat(listed.getJsonArray("tools").stream().map(tool -> ((JsonObject) tool).getString("name")).toList()).contains("add");
    }

    @Test
    void anUnauthenticatedCallIsTold401AndWhereTheMetadataIsWhichNamesTheServerAndTheIdentityProvider() {
        Curl.Result refused = initialize(endpoint(mcp), null);
        assertThat(refused.status()).isEqualTo(401);
        assertThat(refused.header("WWW-Authenticate"))
                .isEqualTo("Bearer realm=\"slipway\", resource_metadata=\"" + endpoint(mcp) + "/.well-known/oauth-protected-resource\"");
        assertThat(refused.json().getString("type")).endsWith("/problems/unauthorized");

        Curl.Result metadata = Curl.run(endpoint(mcp) + "/.well-known/oauth-protected-resource");
        assertThat(metadata.status()).isEqualTo(200);
        assertThat(metadata.header("Content-Type")).startsWith("application/json");
        assertThat(metadata.json()).isEqualTo(new JsonObject().put("resource", endpoint(mcp) + "/mcp")
                .put("authorization_servers", new JsonArray().add(idp.issuer())).put("bearer_methods_supported", new JsonArray().add("header")));
        String issuer = metadata.json().getJsonArray("authorization_servers").getString(0);
        String tokenEndpoint = Curl.run(issuer + "/.well-known/oauth-authorization-server").json().getString("token_endpoint");
        String token = tokenFor(tokenEndpoint, "alices-agent", SECRET, metadata.json().getString("resource"));

        Curl.Result answered = initialize(endpoint(mcp), "Bearer " + token);
        assertThat(answered.status()).as(answered.body()).isEqualTo(200);
        assertThat(answered.body()).contains("\"serverInfo\"");
    }

    @Test
    void aTokenForAnotherAudienceOrAnotherUserIsRefusedWithTheSameChallenge() {
        String challenge = "resource_metadata=\"" + endpoint(mcp) + "/.well-known/oauth-protected-resource\"";
        for (String token : List.of(tokenFor("alices-agent", SECRET, "https://elsewhere.example/mcp"),
                tokenFor("alices-agent", SECRET, endpoint(echo) + "/mcp"),
                tokenFor("bobs-agent", "bobs-agent-secret", endpoint(mcp) + "/mcp"),
                TestIdentityProvider.token(KEY, TestIdentityProvider.claims("alice").issuer(idp.issuer()).audience("another-service")),
                bob)) {
            Curl.Result refused = initialize(endpoint(mcp), "Bearer " + token);
            assertThat(refused.status()).isEqualTo(401);
            assertThat(refused.header("WWW-Authenticate")).startsWith("Bearer realm=\"slipway\", error=\"invalid_token\"").endsWith(challenge);
        }
        String forTheServer = tokenFor("alices-agent", SECRET, endpoint(mcp) + "/mcp");
        assertThat(server.get("/api/mcp-projects", forTheServer).statusCode()).as("a token for the server is not one for Slipway's API")
                .isEqualTo(401);
        assertThat(initialize(underContainers(mcp), "Bearer " + forTheServer).status()).as("the same server, reached the other way")
                .isEqualTo(200);
    }

    @Test
    void theOwnersSlipwayTokenHerProviderTokenForSlipwayAndAnApiKeyStillOpenIt() {
        String key = new JsonObject(server.sendJson("POST", "/api/containers/servers/" + mcp + "/keys", alice, "{}").body()).getString("key");
        String forSlipway = TestIdentityProvider.token(KEY, TestIdentityProvider.claims("alice").issuer(idp.issuer()));

        for (String authorization : List.of("Bearer " + alice, "Bearer " + forSlipway, "Bearer " + key)) {
            assertThat(initialize(endpoint(mcp), authorization).status()).as(authorization).isEqualTo(200);
        }
        assertThat(Curl.run("-X", "POST", "-H", "X-Slipway-Key: " + key, "-H", "Content-Type: application/json",
                "-H", "Accept: application/json, text/event-stream", "--data", INITIALIZE, underContainers(mcp) + "/mcp").status()).isEqualTo(200);
    }

    @Test
    void aTokenForTheServerNeverReachesTheApp() {
        Curl.Result seen = Curl.run("-H", "Authorization: Bearer " + tokenFor("alices-agent", SECRET, endpoint(echo) + "/mcp"),
                endpoint(echo) + "/");

        assertThat(seen.status()).as(seen.body()).isEqualTo(200);
        assertThat(seen.json().getString("authorization")).isNull();
    }

    @Test
    void theDocumentIsServedWithoutATokenAtEveryUrlAClientLooksFor() {
        Map<String, String> resourceAt = Map.of(
                underContainers(mcp) + "/.well-known/oauth-protected-resource", underContainers(mcp) + "/mcp",
                "http://localhost:" + server.base().getPort() + "/.well-known/oauth-protected-resource/containers/" + mcp + "/mcp",
                underContainers(mcp) + "/mcp",
                endpoint(mcp) + "/.well-known/oauth-protected-resource", endpoint(mcp) + "/mcp",
                endpoint(mcp) + "/.well-known/oauth-protected-resource/mcp", endpoint(mcp) + "/mcp");
        resourceAt.forEach((url, resource) -> {
            Curl.Result document = Curl.run(url);
            assertThat(document.status()).as(url).isEqualTo(200);
            assertThat(document.json().getString("resource")).as(url).isEqualTo(resource);
            assertThat(document.header("Access-Control-Allow-Origin")).isEqualTo("*");
            assertThat(document.header("X-Slipway-Error")).isNull();
            Curl.Result head = Curl.run("-I", url);
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("Content-Length")).isEqualTo(Integer.toString(document.body().length()));
        });
        assertThat(initialize(underContainers(mcp), null).header("WWW-Authenticate")).as("the 401 under /containers/ names its own")
                .isEqualTo("Bearer realm=\"slipway\", resource_metadata=\"" + underContainers(mcp) + "/.well-known/oauth-protected-resource\"");
    }

    @Test
    void theMetadataTellsNothingOfAppsThatAreNotPrivateMcpServers() {
        String unknown = "nosuchapp0";
        for (String base : List.of(underContainers(open), endpoint(open))) {
            Curl.Result own = Curl.run(base + "/.well-known/oauth-protected-resource");
            assertThat(own.status()).as("a public app's path is its own").isEqualTo(200);
            assertThat(own.json().getString("url")).isEqualTo("/.well-known/oauth-protected-resource");
        }
        Curl.Result closed = Curl.run(underContainers(notMcp) + "/.well-known/oauth-protected-resource");
        assertThat(closed.status()).isEqualTo(401);
        assertThat(closed.header("WWW-Authenticate")).as("a private app that is no MCP server, as before").isEqualTo("Bearer realm=\"slipway\"");
        for (String base : List.of(underContainers(unknown), endpoint(unknown))) {
            Curl.Result none = Curl.run(base + "/.well-known/oauth-protected-resource");
            assertThat(none.status()).isEqualTo(404);
            assertThat(none.json().getString("type")).endsWith("/problems/not-found");
        }
        String slipway = "http://localhost:" + server.base().getPort() + "/.well-known/oauth-protected-resource/containers/";
        for (String path : List.of(unknown + "/mcp", open + "/mcp", notMcp + "/mcp", echo + "/other", mcp, mcp + "/")) {
            Curl.Result none = Curl.run(slipway + path);
            assertThat(none.status()).as(path).isEqualTo(404);
            assertThat(none.json().getString("detail")).isEqualTo("GET /.well-known/oauth-protected-resource/containers/" + path
                    + " is not part of the API");
        }
        JsonObject document = Curl.run(endpoint(mcp) + "/.well-known/oauth-protected-resource").json();
        assertThat(document.fieldNames()).containsExactlyInAnyOrder("resource", "authorization_servers", "bearer_methods_supported");
        assertThat(Curl.run("-X", "POST", endpoint(mcp) + "/.well-known/oauth-protected-resource").status())
                .as("only GET and HEAD are the document's; the rest is the private app's").isEqualTo(401);
    }

    @Test
    void aForgedHostNeverReachesTheDocumentOrTheChallenge() {
        String forged = "Host: evil.example\r\nX-Forwarded-Host: evil.example\r\nForwarded: host=evil.example\r\n";
        RawHttp.Answer document = raw("GET /containers/" + mcp + "/.well-known/oauth-protected-resource HTTP/1.1\r\n" + forged
                + "Connection: close\r\n\r\n");
        assertThat(document.status()).isEqualTo(200);
        assertThat(new JsonObject(document.body()).getString("resource")).isEqualTo(underContainers(mcp) + "/mcp");
        RawHttp.Answer refused = raw("POST /containers/" + mcp + "/mcp HTTP/1.1\r\n" + forged + "Content-Type: application/json\r\n"
                + "Content-Length: " + INITIALIZE.length() + "\r\nConnection: close\r\n\r\n" + INITIALIZE);
        assertThat(refused.status()).isEqualTo(401);
        assertThat(refused.header("WWW-Authenticate")).doesNotContain("evil").contains(underContainers(mcp) + "/.well-known/");
        RawHttp.Answer ownHost = raw("GET /.well-known/oauth-protected-resource HTTP/1.1\r\nHost: " + mcp.toUpperCase()
                + ".APPS.LOCALHOST.:1\r\nX-Forwarded-Host: evil.example\r\nConnection: close\r\n\r\n");
        assertThat(new JsonObject(ownHost.body()).getString("resource")).as("the configured port and spelling").isEqualTo(endpoint(mcp) + "/mcp");
    }

    static RawHttp.Answer raw(String request) {
        return RawHttp.exchange(server.base(), request, java.time.Duration.ofSeconds(10));
    }

    static final String INITIALIZE = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\","
            + "\"capabilities\":{},\"clientInfo\":{\"name\":\"curl\",\"version\":\"1\"}}}";

    /** An MCP initialize by curl to {@code base}/mcp, with this Authorization (none when null). */
    static Curl.Result initialize(String base, String authorization) {
        List<String> args = new java.util.ArrayList<>(List.of("-X", "POST", "-H", "Content-Type: application/json",
                "-H", "Accept: application/json, text/event-stream", "--data", INITIALIZE));
        if (authorization != null) args.addAll(List.of("-H", "Authorization: " + authorization));
        args.add(base + "/mcp");
        return Curl.run(args.toArray(String[]::new));
    }

    static String tokenFor(String clientId, String secret, String resource) {
        return tokenFor(idp.issuer() + "/token", clientId, secret, resource);
    }

    /** A token from the provider's token endpoint by the client_credentials grant, for {@code resource} (RFC 8707). */
    static String tokenFor(String tokenEndpoint, String clientId, String secret, String resource) {
        Curl.Result issued = Curl.run("-u", clientId + ":" + secret, "--data-urlencode", "grant_type=client_credentials",
                "--data-urlencode", "resource=" + resource, tokenEndpoint);
        assertThat(issued.status()).as(issued.body()).isEqualTo(200);
        return issued.json().getString("access_token");
    }
}
