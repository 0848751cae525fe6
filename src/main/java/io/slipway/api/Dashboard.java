package io.slipway.api;

import io.slipway.http.Problem;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The dashboard (DESIGN §7): static files from the class path's {@code dashboard/}, {@code index.html} at {@code /} and
 * every file at {@code /dashboard/<name>}, to GET and HEAD, without a token (the page asks for one and sends it to the
 * API itself). Only the files named in {@link #FILES} are served, read once at start, so no request path ever reaches
 * the class path or the disk. Each answer carries an {@code ETag} and {@code Cache-Control: no-cache} (the names carry
 * no hash, so a browser revalidates, and gets {@code 304} while nothing changed), and headers that keep the page to its
 * own origin: a {@code Content-Security-Policy} that allows nothing but this origin (no inline script or style, no
 * frames, no form posts elsewhere), {@code nosniff} and no referrer.
 */
final class Dashboard {
    static final String CONTENT_SECURITY_POLICY = "default-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    /** Every file of the dashboard; a file not named here is not served. */
    static final List<String> FILES = List.of("index.html", "dashboard.css", "app.js", "api.js", "dom.js", "deploy.js", "app-page.js",
            "charts.js", "logs.js", "icon.svg");
    private static final Map<String, String> TYPES = Map.of("html", "text/html; charset=utf-8", "css", "text/css; charset=utf-8",
            "js", "text/javascript; charset=utf-8", "svg", "image/svg+xml");

    private record Asset(Buffer content, String type, String etag) {
    }

    private final Map<String, Asset> assets;

    private Dashboard(Map<String, Asset> assets) {
        this.assets = assets;
    }

    /** Adds the dashboard's routes; reads its files now, and fails if one is missing from the class path. */
    static void install(Router router) {
        Dashboard dashboard = new Dashboard(FILES.stream().collect(Collectors.toUnmodifiableMap(Function.identity(), Dashboard::load)));
        router.route("/").method(HttpMethod.GET).method(HttpMethod.HEAD).handler(ctx -> dashboard.serve(ctx, "index.html"));
        router.route("/dashboard/:file").method(HttpMethod.GET).method(HttpMethod.HEAD)
                .handler(ctx -> dashboard.serve(ctx, ctx.pathParam("file")));
    }

    private void serve(RoutingContext ctx, String name) {
        Asset asset = assets.get(name);
        if (asset == null) {
            Problem.of(404, "not-found", "Not Found", "the dashboard has no file '" + name + "'").send(ctx.request());
            return;
        }
        HttpServerResponse response = ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, asset.type())
                .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache").putHeader(HttpHeaders.ETAG, asset.etag())
                .putHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY).putHeader("X-Content-Type-Options", "nosniff")
                .putHeader("Referrer-Policy", "no-referrer").putHeader("X-Frame-Options", "DENY");
        if (asset.etag().equals(ctx.request().getHeader(HttpHeaders.IF_NONE_MATCH))) {
            response.setStatusCode(304).end();
        } else if (ctx.request().method() == HttpMethod.HEAD) {
            response.putHeader(HttpHeaders.CONTENT_LENGTH, String.valueOf(asset.content().length())).end();
        } else {
            response.end(asset.content());
        }
    }

    private static Asset load(String name) {
        try (InputStream in = Dashboard.class.getResourceAsStream("/dashboard/" + name)) {
            if (in == null) throw new IllegalStateException("the dashboard's file " + name + " is missing from the class path");
            byte[] bytes = in.readAllBytes();
            String type = TYPES.get(name.substring(name.lastIndexOf('.') + 1));
            String etag = "\"" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes), 0, 16) + "\"";
            return new Asset(Buffer.buffer(bytes), type, etag);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the dashboard's file " + name, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
