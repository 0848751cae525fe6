package io.slipway.proxy;

import io.slipway.app.App;
import io.slipway.config.AppDomain;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.HostAndPort;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Serves the RFC 9728 metadata document of each private MCP server ({@link ProtectedResources}), to anyone, without
 * waking the app: {@code GET} (or {@code HEAD}) at every URL a client may look for it,
 * <ul>
 *   <li>{@code /containers/{id}/.well-known/oauth-protected-resource}, which the server's 401 names;</li>
 *   <li>{@code /.well-known/oauth-protected-resource/containers/{id}/mcp}, where RFC 9728 §3.1 puts the metadata of the
 *       resource {@code {publicUrl}/containers/{id}/mcp} and where clients look when a 401 names none;</li>
 *   <li>on the app's own host, {@code /.well-known/oauth-protected-resource} and {@code …/mcp} alike.</li>
 * </ul>
 * Every other request passes on untouched ({@link #serves} is false): to the app, which may serve a document of its
 * own, when it is not a private MCP server; to the proxy's access check, which answers 401, for other methods; to the
 * API router, whose 404 is the same for an unknown id and for an app that is not a private MCP server.
 */
public final class ProtectedResourceMetadata {
    private static final String PATH = ProtectedResources.METADATA_PATH;

    private final Function<String, Optional<App>> apps;
    private final ProtectedResources resources;
    /** Null when apps have no hosts of their own. */
    private final AppDomain appDomain;

    /** @param apps the app of an id, if there is one (never blocks: it is asked on the event loop) */
    public ProtectedResourceMetadata(Function<String, Optional<App>> apps, ProtectedResources resources, Optional<AppDomain> appDomain) {
        this.apps = apps;
        this.resources = resources;
        this.appDomain = appDomain.orElse(null);
    }

    /** The app whose document is asked for, and how it is reached. */
    private record Asked(App app, boolean onOwnHost) {
    }

    /** Whether {@code request} asks for the metadata of a private MCP server. Cheap for every other request. */
    public boolean serves(HttpServerRequest request) {
        return asked(request) != null;
    }

    /** Answers a request that Slipway {@link #serves}. */
    public void handle(HttpServerRequest request) {
        Asked asked = asked(request);
        // Public information (RFC 9728 §7.3 asks for no secrecy), so that browser-based clients may read it too.
        Buffer document = resources.document(asked.app(), asked.onOwnHost()).toBuffer();
        HttpServerResponse response = request.response().putHeader("Content-Type", "application/json")
                .putHeader("Access-Control-Allow-Origin", "*");
        if (request.method() == HttpMethod.HEAD) {
            // The length the GET would have; no body (RFC 9110 §9.3.2), on HTTP/2 as well.
            response.putHeader("Content-Length", Integer.toString(document.length())).end();
        } else {
            response.end(document);
        }
    }

    private Asked asked(HttpServerRequest request) {
        if (request.method() != HttpMethod.GET && request.method() != HttpMethod.HEAD) return null;
        String path = request.path();
        // The fast way out, for nearly every request; and an absolute-form request line is the proxy's to refuse.
        if (path == null || !path.startsWith(PATH) && !path.endsWith(PATH) || !request.uri().startsWith("/")) return null;
        String label = appHostLabel(request);
        if (label == null && path.startsWith(ContainerPaths.ROOT)) {
            ContainerPaths paths = ContainerPaths.parse(path);
            return paths != null && paths.forwardedUri().equals(PATH) ? protectedAt(paths, false, app -> true) : null;
        }
        if (!path.startsWith(PATH)) return null;
        String rest = path.substring(PATH.length());
        if (label != null) return protectedAt(ContainerPaths.onAppHost(label, "/"), true, app -> rest.isEmpty() || rest.equals(pathOf(app)));
        ContainerPaths resource = ContainerPaths.parse(rest);
        return protectedAt(resource, false, app -> resource.forwardedUri().equals(pathOf(app)));
    }

    /** The app {@code paths} names when it is a private MCP server whose document is at the path asked for; else null. */
    private Asked protectedAt(ContainerPaths paths, boolean onOwnHost, Predicate<App> documentHere) {
        if (paths == null) return null;
        return apps.apply(paths.appId()).filter(resources::isProtected).filter(documentHere)
                .map(app -> new Asked(app, onOwnHost)).orElse(null);
    }

    /** The app's MCP path without its query, if it has one. */
    private static String pathOf(App app) {
        return ContainerPaths.withoutQuery(app.mcpPath().orElseThrow());
    }

    private String appHostLabel(HttpServerRequest request) {
        if (appDomain == null) return null;
        HostAndPort authority = request.authority();
        return authority == null ? null : appDomain.labelOf(authority.host());
    }
}
