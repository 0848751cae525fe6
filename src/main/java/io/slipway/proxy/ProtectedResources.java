package io.slipway.proxy;

import io.slipway.app.App;
import io.slipway.auth.ResourceIndicators;
import io.slipway.config.SlipwayConfig.AuthSettings;
import io.slipway.http.Challenge;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Private MCP servers as OAuth 2.0 protected resources (MCP authorization, RFC 9728), Slipway being their resource
 * server: what each is called, where its metadata document is, and what that document says.
 *
 * <p>A server is reached two ways, under {@code {publicUrl}/containers/{id}} and, with {@code routing.appDomain}, at its
 * own host; each way names it by the URL a client uses there, because clients require the metadata's {@code resource}
 * to be that URL (RFC 9728 §3.3) or at least on its origin (the MCP TypeScript SDK). The resource is the server's MCP
 * endpoint, {@code <endpoint>/mcp} (its {@code mcp} path), which a client connects to and asks its tokens for (RFC 8707);
 * the document is at {@code <endpoint>/.well-known/oauth-protected-resource}. Every URL here is made from Slipway's
 * configuration ({@link Endpoints}), never from a request's {@code Host}.
 */
public final class ProtectedResources {
    /** The well-known path of RFC 9728 §3. */
    public static final String METADATA_PATH = "/.well-known/oauth-protected-resource";

    private final Endpoints endpoints;
    private final Optional<String> authorizationServer;
    private final java.util.function.Predicate<App> mcpServer;

    /**
     * @param authorizationServer the identity provider's issuer, named as the servers' authorization server
     * @param mcpServer           whether an app's version is a recognised MCP server ({@code McpRecords})
     */
    public ProtectedResources(Endpoints endpoints, Optional<String> authorizationServer, java.util.function.Predicate<App> mcpServer) {
        this.endpoints = endpoints;
        this.authorizationServer = authorizationServer;
        this.mcpServer = mcpServer;
    }

    /** The identity provider is the authorization server when Slipway accepts its tokens ({@code auth.jwksUrl}). */
    public static ProtectedResources of(Endpoints endpoints, AuthSettings auth, java.util.function.Predicate<App> mcpServer) {
        return new ProtectedResources(endpoints, auth.jwksUrl().isPresent() ? Optional.of(auth.issuer()) : Optional.empty(), mcpServer);
    }

    /**
     * Whether {@code app} is a protected resource: a private app recognised as an MCP server (at its version's first
     * start); this is the one place that says so.
     */
    public boolean isProtected(App app) {
        return app.isPrivate() && app.mcpPath().isPresent() && mcpServer.test(app);
    }

    /** The resource identifier of {@code app} as reached at its own host or under {@code /containers/}: its MCP endpoint. */
    String resource(App app, boolean onOwnHost) {
        return base(app, onOwnHost) + app.mcpPath().orElseThrow();
    }

    /** Where the metadata of {@code app} as reached that way is: {@code <endpoint>/.well-known/oauth-protected-resource}. */
    String metadataUrl(App app, boolean onOwnHost) {
        return base(app, onOwnHost) + METADATA_PATH;
    }

    /** The audiences that tokens for {@code app} may carry instead of Slipway's: its resource either way; none unless protected. */
    ResourceIndicators audiences(App app) {
        if (!isProtected(app)) return ResourceIndicators.NONE;
        Set<String> uris = new HashSet<>();
        uris.add(resource(app, false));
        if (endpoints.onOwnHost(app.id()).isPresent()) uris.add(resource(app, true));
        return new ResourceIndicators(uris);
    }

    /**
     * The RFC 9728 document of {@code app} as reached that way: its resource, the identity provider as authorization
     * server when there is one, and that tokens go in the {@code Authorization} header. Nothing of the app itself: not
     * its name, not its owner.
     */
    JsonObject document(App app, boolean onOwnHost) {
        JsonObject document = new JsonObject().put("resource", resource(app, onOwnHost));
        authorizationServer.ifPresent(issuer -> document.put("authorization_servers", new JsonArray().add(issuer)));
        return document.put("bearer_methods_supported", new JsonArray().add("header"));
    }

    /** {@code challenge}, for a 401 of {@code app}, naming its metadata when it is protected (RFC 9728 §5.1). */
    Challenge challenge(App app, boolean onOwnHost, Challenge challenge) {
        return isProtected(app) ? challenge.with("resource_metadata", metadataUrl(app, onOwnHost)) : challenge;
    }

    private String base(App app, boolean onOwnHost) {
        return onOwnHost ? endpoints.onOwnHost(app.id()).orElseThrow() : endpoints.underContainers(app.id());
    }
}
