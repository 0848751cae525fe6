package io.slipway.api;

import io.slipway.http.Problem;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The router's last word on a request no route answered: {@code 405} with {@code Allow} when some route serves its
 * path with other methods (RFC 9110 §15.5.6), else {@code 404}. The methods come from the router's own routes, and
 * Vert.x itself matches the path against each (path parameters and all): for every distinct route path this adds a
 * route of the same path and any method that only notes that path's methods and passes the request on. Install it
 * after every route; routes added later are not counted.
 */
final class AllowedMethods {
    private static final String ALLOWED = "slipway.allowedMethods";

    private AllowedMethods() {
    }

    static void install(Router router) {
        Map<String, Set<HttpMethod>> byPath = new LinkedHashMap<>();
        for (Route route : router.getRoutes()) {
            // A regular expression route has no path to repeat, and a route of every method leaves nothing to refuse.
            if (route.getPath() == null || route.methods() == null || route.methods().isEmpty()) continue;
            String path = route.isExactPath() ? route.getPath() : route.getPath() + "*";
            byPath.computeIfAbsent(path, p -> new LinkedHashSet<>()).addAll(route.methods());
        }
        byPath.forEach((path, methods) -> router.route(path).handler(ctx -> {
            allowed(ctx).addAll(methods);
            ctx.next();
        }));
        router.route().last().handler(AllowedMethods::refuse);
    }

    private static Set<HttpMethod> allowed(RoutingContext ctx) {
        Set<HttpMethod> allowed = ctx.get(ALLOWED);
        if (allowed == null) {
            allowed = new LinkedHashSet<>();
            ctx.put(ALLOWED, allowed);
        }
        return allowed;
    }

    private static void refuse(RoutingContext ctx) {
        Set<HttpMethod> allowed = allowed(ctx);
        String request = ctx.request().method() + " " + ctx.request().path();
        // Were the method among them, a route of this path took the request and passed it on unanswered: not a 405.
        if (allowed.isEmpty() || allowed.contains(ctx.request().method())) {
            Problem.of(404, "not-found", "Not Found", request + " is not part of the API").send(ctx.request());
            return;
        }
        String allow = allowed.stream().map(HttpMethod::name).collect(Collectors.joining(", "));
        ctx.response().putHeader("Allow", allow);
        Problem.of(405, "method-not-allowed", "Method Not Allowed", request + " is not allowed; this path accepts " + allow)
                .send(ctx.request());
    }
}
