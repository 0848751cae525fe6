package io.slipway.api;

import io.slipway.http.Problem;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/**
 * {@code /healthz}, liveness: 200 while the process serves HTTP at all. {@code /readyz}, readiness: 200 while Slipway
 * can serve, else 503 {@code not-ready} naming each failing check in {@code failing}. Both answer GET and HEAD (which
 * uptime monitors send), without a token.
 */
final class Probes {
    /** How soon a load balancer may ask again: about how long a check's answer is kept. */
    static final Duration RETRY_AFTER = Duration.ofSeconds(2);

    private Probes() {
    }

    static void install(Router router, Readiness readiness) {
        router.route("/healthz").method(HttpMethod.GET).method(HttpMethod.HEAD)
                .handler(ctx -> Reply.ok(new JsonObject().put("status", "ok")).send(ctx.request()));
        router.route("/readyz").method(HttpMethod.GET).method(HttpMethod.HEAD).handler(ctx -> ready(ctx, readiness));
    }

    private static void ready(RoutingContext ctx, Readiness readiness) {
        Future.fromCompletionStage(readiness.failures(), ctx.vertx().getOrCreateContext()).onComplete(answer -> {
            if (answer.failed()) {
                ctx.fail(answer.cause());
            } else if (answer.result().isEmpty()) {
                Reply.ok(new JsonObject().put("status", "ready")).send(ctx.request());
            } else {
                notReady(answer.result()).send(ctx.request());
            }
        });
    }

    static Problem notReady(List<Readiness.Failure> failing) {
        JsonArray checks = new JsonArray();
        failing.forEach(f -> checks.add(new JsonObject().put("check", f.check()).put("detail", f.detail())));
        String detail = failing.stream().map(f -> f.check() + ": " + f.detail()).collect(Collectors.joining("; "));
        return Problem.of(503, "not-ready", "Service Unavailable", "Slipway cannot serve now. " + detail)
                .withRetryAfter(RETRY_AFTER).with("failing", checks);
    }
}
