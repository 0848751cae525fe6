package io.slipway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.slipway.testing.Curl;
import io.slipway.testing.Multipart;
import io.slipway.testing.NodeClient;
import io.slipway.testing.RawHttp;
import io.slipway.testing.SlipwayServerExtension;
import io.slipway.testing.SlipwayServerExtension.Token;
import io.slipway.testing.TestApps;
import io.slipway.testing.TestServer;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Apps at their own hosts ({@code routing.appDomain=apps.localhost}): {@code {id}.apps.localhost} reaches the app at
 * {@code /}, so its absolute redirects work, as users' clients (curl, Java's HttpClient) follow them; which host is
 * whose, against clients that spell it oddly or claim another in the headers a proxy would set.
 */
class AppHostsIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** GET /landed over HTTP/2 (h2c) to port argv[2], with :authority argv[3] and a Host header argv[4]; prints what came. */
    private static final String H2_SCRIPT = """
            const session = require("http2").connect("http://127.0.0.1:" + process.argv[2]);
            const request = session.request({ ":path": "/landed", ":authority": process.argv[3], host: process.argv[4] });
            let status, body = "";
            request.on("response", (headers) => status = headers[":status"]);
            request.on("data", (chunk) => body += chunk);
            request.on("end", () => { console.log(status + " " + body); session.close(); });
            request.on("error", (e) => { console.log("error " + e.message); session.close(); });
            """;

    @RegisterExtension
    static final SlipwayServerExtension slipway = SlipwayServerExtension.withKeys(Map.of("routing.appDomain", "apps.localhost"));
    static TestServer server;
    @Token("hosts")
    static String token;
    static String app;
    static String other;
    static int port;

    @BeforeAll
    static void deployTwoApps() {
        port = server.base().getPort();
        app = server.deploy(token, "index.js", TestApps.source("landing.js"), Map.of()).getString("id");
        other = server.deploy(token, "index.js", TestApps.source("landing.js") + "\n// the other one\n", Map.of()).getString("id");
    }

    private static String endpoint(String id) {
        return "http://" + id + ".apps.localhost:" + port;
    }

    @Test
    void anAbsoluteRedirectLandsInTheAppOnItsOwnHostWhichItKnowsAsItsPublicUrl() {
        assertThat(server.server(token, app).getString("endpoint")).isEqualTo(endpoint(app));

        Curl.Result redirect = Curl.run(endpoint(app) + "/go");
        assertThat(redirect.status()).as(redirect.stderr()).isEqualTo(302);
        assertThat(redirect.header("Location")).isEqualTo("/landed");

        Curl.Result landed = Curl.run("-L", endpoint(app) + "/go");
        assertThat(landed.status()).as(landed.stderr()).isEqualTo(200);
        assertThat(landed.redirects()).isEqualTo(1);
        assertThat(landed.url()).isEqualTo(endpoint(app) + "/landed");
        JsonObject seen = landed.json();
        assertThat(seen.getString("path")).isEqualTo("/landed");
        assertThat(seen.getString("host")).isEqualTo(app + ".apps.localhost:" + port);
        assertThat(seen.getString("publicUrl")).isEqualTo(endpoint(app));
        assertThat(seen.getString("forwardedHost")).isEqualTo(app + ".apps.localhost:" + port);
        assertThat(seen.getString("forwardedPrefix")).as("no prefix on the app's own host").isNull();
    }

    @Test
    void javasHttpClientFollowsTheRedirectOnTheAppsOwnHost() throws Exception {
        HttpClient java = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).connectTimeout(TIMEOUT).build();

        HttpResponse<String> landed = java.send(HttpRequest.newBuilder(URI.create(endpoint(app) + "/go")).timeout(TIMEOUT).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(landed.statusCode()).isEqualTo(200);
        assertThat(landed.uri()).isEqualTo(URI.create(endpoint(app) + "/landed"));
        assertThat(new JsonObject(landed.body()).getString("publicUrl")).isEqualTo(endpoint(app));
    }

    @Test
    void underContainersTheAppIsReachedAsBeforeAndItsRedirectLeavesThePrefix() {
        HttpResponse<String> landed = server.call(app, "/landed");
        assertThat(landed.statusCode()).isEqualTo(200);
        JsonObject seen = new JsonObject(landed.body());
        assertThat(seen.getString("path")).isEqualTo("/landed");
        assertThat(seen.getString("forwardedPrefix")).isEqualTo("/containers/" + app);
        assertThat(seen.getString("publicUrl")).isEqualTo(endpoint(app));
        // Why apps need a host of their own: the app's absolute redirect, passed on untouched, leaves /containers/{id}.
        assertThat(server.call(app, "/go").headers().firstValue("Location")).hasValue("/landed");
    }

    @Test
    void aPythonAppIsToldItsOwnHostToo() {
        String python = server.deploy(token, "app.py", TestApps.source("hello.py"), Map.of()).getString("id");

        Curl.Result answer = Curl.run(endpoint(python) + "/x");

        assertThat(answer.status()).as(answer.stderr()).isEqualTo(200);
        assertThat(answer.json().getString("path")).isEqualTo("/x");
        assertThat(answer.json().getString("publicUrl")).isEqualTo(endpoint(python));
    }

    @Test
    void hostsAreMatchedWithoutRegardToCaseATrailingDotOrThePort() {
        for (String host : new String[] {app.toUpperCase() + ".APPS.LOCALHOST:" + port, app + ".apps.localhost.:" + port,
                app + ".apps.localhost", app + ".apps.localhost:1"}) {
            RawHttp.Answer answer = get("/landed", host, "");
            assertThat(answer.status()).as(host).isEqualTo(200);
            assertThat(new JsonObject(answer.body()).getString("publicUrl")).as(host).isEqualTo(endpoint(app));
            assertThat(new JsonObject(answer.body()).getString("host")).as("the Host as the client sent it").isEqualTo(host);
        }
    }

    @Test
    void aHostBelowTheDomainThatNamesNoAppIsTheSameNotFoundAsAnUnknownIdUnderContainers() {
        String unknown = "nosuchappxxxxxxxxxxxxxxxxx";
        HttpResponse<String> underContainers = server.call(unknown, "/landed");
        RawHttp.Answer atItsHost = get("/landed", unknown + ".apps.localhost:" + port, "");

        assertThat(atItsHost.status()).isEqualTo(404);
        assertThat(atItsHost.header("X-Slipway-Error")).isEqualTo("not-found");
        assertThat(new JsonObject(atItsHost.body())).isEqualTo(new JsonObject(underContainers.body()));
        for (String host : new String[] {"x." + app + ".apps.localhost", app + "-x.apps.localhost", "api.apps.localhost"}) {
            RawHttp.Answer answer = get("/api/mcp-projects", host, "Authorization: Bearer " + token + "\r\n");
            assertThat(answer.status()).as(host).isEqualTo(404);
            assertThat(answer.header("X-Slipway-Error")).as(host).isEqualTo("not-found");
            assertThat(answer.body()).as(host).doesNotContain("projects");
        }
    }

    @Test
    void theBareDomainAndSlipwaysOwnHostServeTheApi() {
        for (String host : new String[] {"apps.localhost:" + port, "localhost:" + port, "127.0.0.1:" + port}) {
            RawHttp.Answer answer = get("/api/mcp-projects", host, "Authorization: Bearer " + token + "\r\n");
            assertThat(answer.status()).as(host).isEqualTo(200);
            assertThat(new JsonObject(answer.body()).getJsonArray("projects")).as(host).isNotEmpty();
        }
    }

    @Test
    void onAnAppsHostTheApiPathsAreTheAppsAndSlipwaysTokenDoesNotReachIt() {
        RawHttp.Answer answer = get("/api/mcp-projects", app + ".apps.localhost:" + port, "Authorization: Bearer " + token + "\r\n");

        assertThat(answer.status()).isEqualTo(200);
        JsonObject seen = new JsonObject(answer.body());
        assertThat(seen.getString("path")).as("the app's own path").isEqualTo("/api/mcp-projects");
        assertThat(seen.getString("authorization")).as("Slipway's token is taken out").isNull();
        assertThat(answer.body()).doesNotContain("projects\":");
        // The same for a path that is Slipway's /containers/ on its own host: here it is the app's.
        JsonObject nested = new JsonObject(get("/containers/" + other + "/landed", app + ".apps.localhost", "").body());
        assertThat(nested.getString("path")).isEqualTo("/containers/" + other + "/landed");
        assertThat(nested.getString("publicUrl")).as("the app the Host names, not the one in the path").isEqualTo(endpoint(app));
    }

    @Test
    void forwardedHostsFromAnUntrustedPeerSelectNoApp() {
        String claims = "X-Forwarded-Host: " + other + ".apps.localhost\r\nForwarded: host=" + other + ".apps.localhost\r\n";

        RawHttp.Answer onSlipwaysHost = get("/landed", "localhost:" + port, claims);
        assertThat(onSlipwaysHost.status()).as("Slipway's own 404, not an app").isEqualTo(404);
        assertThat(onSlipwaysHost.body()).doesNotContain("publicUrl");

        RawHttp.Answer onAnApp = get("/landed", app + ".apps.localhost:" + port, claims);
        JsonObject seen = new JsonObject(onAnApp.body());
        assertThat(seen.getString("publicUrl")).as("the app its Host names").isEqualTo(endpoint(app));
        assertThat(seen.getString("forwardedHost")).as("the claim replaced").isEqualTo(app + ".apps.localhost:" + port);
    }

    @Test
    void http10AndHttp2ClientsReachTheAppAtItsHostToo() {
        // HTTP/1.0 goes through vertx-http-proxy, not the forwarder; HTTP/2 names its host in :authority.
        RawHttp.Answer old = RawHttp.exchange(server.base(), "GET /landed HTTP/1.0\r\nHost: " + app + ".apps.localhost\r\n\r\n", TIMEOUT);
        assertThat(old.status()).isEqualTo(200);
        assertThat(new JsonObject(old.body()).getString("path")).isEqualTo("/landed");
        assertThat(new JsonObject(old.body()).getString("forwardedPrefix")).isNull();

        Curl.Result h2 = Curl.run("--http2-prior-knowledge", endpoint(app) + "/landed");
        assertThat(h2.status()).as(h2.stderr()).isEqualTo(200);
        assertThat(h2.json().getString("path")).isEqualTo("/landed");
        assertThat(h2.json().getString("publicUrl")).isEqualTo(endpoint(app));
    }

    @Test
    void anHttp2RequestWhoseHostHeaderDiffersFromItsAuthorityIsRefused() {
        // RFC 9113 §8.3.1: node's http2 client sends both as it is told; a request may not name two hosts.
        NodeClient h2 = NodeClient.install("h2-client");
        h2.write("h2.js", H2_SCRIPT);
        String slipways = "localhost:" + port;
        String apps = app + ".apps.localhost:" + port;

        assertThat(h2.run(TIMEOUT, "h2.js", String.valueOf(port), slipways, apps).stdout()).contains("NGHTTP2_PROTOCOL_ERROR");
        assertThat(h2.run(TIMEOUT, "h2.js", String.valueOf(port), apps, slipways).stdout()).contains("NGHTTP2_PROTOCOL_ERROR");
        NodeClient.Run agreeing = h2.run(TIMEOUT, "h2.js", String.valueOf(port), apps, apps);
        assertThat(agreeing.stdout()).as(agreeing.stderr()).startsWith("200 ").contains("\"publicUrl\":\"" + endpoint(app) + "\"");
    }

    @Test
    void anAbsoluteFormTargetOnAnAppsHostIsRefused() {
        RawHttp.Answer answer = RawHttp.exchange(server.base(), "GET http://" + other + ".apps.localhost/landed HTTP/1.1\r\nHost: " + app
                + ".apps.localhost\r\nConnection: close\r\n\r\n", TIMEOUT);

        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.header("X-Slipway-Error")).isEqualTo("bad-request");
    }

    @Test
    void anUploadMayNotSetPublicUrl() {
        HttpResponse<String> refused = server.upload(token, new Multipart().file("index.js", TestApps.source("landing.js"))
                .field("env", "{\"PUBLIC_URL\":\"https://elsewhere.example\"}"));

        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(new JsonObject(refused.body()).getString("type")).endsWith("/problems/invalid-env");
        assertThat(new JsonObject(refused.body()).getString("detail")).isEqualTo("env name 'PUBLIC_URL' is set by Slipway");
    }

    /** A GET of {@code path} written by hand to Slipway's port with {@code Host: host} and {@code headers}. */
    private static RawHttp.Answer get(String path, String host, String headers) {
        return RawHttp.exchange(server.base(), "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n" + headers + "Connection: close\r\n\r\n",
                TIMEOUT);
    }
}
