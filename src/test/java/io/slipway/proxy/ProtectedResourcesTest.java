package io.slipway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.slipway.app.App;
import io.slipway.app.AppStatus;
import io.slipway.app.Language;
import io.slipway.app.Transport;
import io.slipway.auth.ResourceIndicators;
import io.slipway.config.AppDomain;
import io.slipway.http.Challenge;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A private MCP server as an OAuth protected resource: its resource URL, its metadata's URL and what the metadata says. */
class ProtectedResourcesTest {
    /** Every app these tests make is taken for a recognised MCP server, unless its owner turned MCP off. */
    private static final java.util.function.Predicate<App> RECOGNISED = app -> true;

    private static final String ISSUER = "https://idp.example.com";
    private static final Endpoints PATHS_ONLY = new Endpoints(() -> URI.create("https://slipway.example.com"), Optional.empty());
    private static final Endpoints OWN_HOSTS = new Endpoints(() -> URI.create("https://slipway.example.com"), AppDomain.parse("apps.example.com"));

    @Test
    void withoutAnAppDomainTheResourceIsTheMcpEndpointAndTheMetadataIsBelowTheEndpoint() {
        ProtectedResources resources = new ProtectedResources(PATHS_ONLY, Optional.of(ISSUER), RECOGNISED);
        App app = app(true, App.MCP_AUTO);
        String endpoint = PATHS_ONLY.of(app.id());

        assertThat(resources.resource(app, false)).isEqualTo(endpoint + "/mcp").isEqualTo("https://slipway.example.com/containers/x1/mcp");
        assertThat(resources.metadataUrl(app, false)).isEqualTo(endpoint + "/.well-known/oauth-protected-resource");
        assertThat(resources.document(app, false)).isEqualTo(new JsonObject().put("resource", endpoint + "/mcp")
                .put("authorization_servers", List.of(ISSUER)).put("bearer_methods_supported", List.of("header")));
        assertThat(resources.audiences(app)).isEqualTo(ResourceIndicators.of(endpoint + "/mcp"));
    }

    @Test
    void withAnAppDomainEachWayTheServerIsReachedNamesItByTheUrlUsedThereAndTokensForEitherAreForIt() {
        ProtectedResources resources = new ProtectedResources(OWN_HOSTS, Optional.of(ISSUER), RECOGNISED);
        App app = app(true, "/api/mcp");

        assertThat(resources.resource(app, true)).isEqualTo(OWN_HOSTS.of(app.id()) + "/api/mcp").isEqualTo("https://x1.apps.example.com/api/mcp");
        assertThat(resources.metadataUrl(app, true)).isEqualTo("https://x1.apps.example.com/.well-known/oauth-protected-resource");
        assertThat(resources.resource(app, false)).isEqualTo("https://slipway.example.com/containers/x1/api/mcp");
        assertThat(resources.metadataUrl(app, false)).isEqualTo("https://slipway.example.com/containers/x1/.well-known/oauth-protected-resource");
        assertThat(resources.audiences(app)).isEqualTo(ResourceIndicators.of("https://x1.apps.example.com/api/mcp",
                "https://slipway.example.com/containers/x1/api/mcp"));
    }

    @Test
    void withoutAnIdentityProviderTheDocumentNamesNoAuthorizationServer() {
        JsonObject document = new ProtectedResources(PATHS_ONLY, Optional.empty(), RECOGNISED).document(app(true, App.MCP_AUTO), false);

        assertThat(document.fieldNames()).containsExactlyInAnyOrder("resource", "bearer_methods_supported");
    }

    @Test
    void onlyPrivateAppsWhoseMcpIsNotOffArePrivateMcpServersAndOnlyTheir401NamesTheMetadata() {
        ProtectedResources resources = new ProtectedResources(PATHS_ONLY, Optional.of(ISSUER), RECOGNISED);
        Challenge refused = Challenge.bearer().invalidToken("no");

        assertThat(resources.isProtected(app(true, App.MCP_AUTO))).isTrue();
        assertThat(resources.isProtected(app(true, App.MCP_OFF))).isFalse();
        assertThat(resources.isProtected(app(false, App.MCP_AUTO))).isFalse();
        assertThat(new ProtectedResources(PATHS_ONLY, Optional.of(ISSUER), app -> false).isProtected(app(true, App.MCP_AUTO)))
                .as("a private app not recognised as an MCP server").isFalse();
        assertThat(resources.challenge(app(true, App.MCP_AUTO), false, refused).header()).isEqualTo("Bearer realm=\"slipway\", "
                + "error=\"invalid_token\", error_description=\"no\", resource_metadata=\"https://slipway.example.com/containers/x1/"
                + ".well-known/oauth-protected-resource\"");
        assertThat(resources.challenge(app(true, App.MCP_OFF), false, refused)).isEqualTo(refused);
        assertThat(resources.audiences(app(true, App.MCP_OFF))).isEqualTo(ResourceIndicators.NONE);
        assertThat(resources.audiences(app(false, App.MCP_AUTO))).isEqualTo(ResourceIndicators.NONE);
    }

    @Test
    void aLongPublicUrlIsNamedWholeInTheChallenge() {
        String base = "https://slipway.example.com/" + "p".repeat(300);
        ProtectedResources resources = new ProtectedResources(new Endpoints(() -> URI.create(base), Optional.empty()), Optional.empty(), RECOGNISED);

        assertThat(resources.challenge(app(true, App.MCP_AUTO), false, Challenge.bearer()).header())
                .endsWith("resource_metadata=\"" + base + "/containers/x1/.well-known/oauth-protected-resource\"");
    }

    private static App app(boolean isPrivate, String mcp) {
        Instant now = Instant.parse("2026-12-01T00:00:00Z");
        return new App("x1", "alice", "secret-name", Language.NODE, "index.ts", List.of(), Duration.ofMinutes(10), Map.of(),
                AppStatus.READY, null, "c0de", null, false, isPrivate, "free", now, now, null, App.DEFAULT_HEALTH_PATH, Transport.HTTP, mcp);
    }
}
