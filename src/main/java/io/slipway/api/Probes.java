package io.slipway.api;

import io.slipway.http.Problem;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * {@code /healthz}, liveness: 200 while the process serves HTTP at all. {@code /readyz}, readiness: 200 while Slipway
 * can serve, else 503 {@code not-ready} naming each failing check in {@code failing}. Both answer GET and HEAD (which
 * uptime monitors send), without a token. {@code /metrics}: the Prometheus text of every series, without a token either,
 * as scrapers send none (README, "Metrics": keep it on a network only the scraper reaches).
 */
final class Probes {
    /** The Prometheus text format, 0.0.4. */
    static final String SCRAPE_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    /** How soon a load balancer may ask again: about how long a check's answer is kept. */
    static final Duration RETRY_AFTER = Duration.ofSeconds(2);

    private Probes() {
    }

    static void install(Router router, Readiness readiness, Supplier<String> metrics) {
        router.route("/healthz").method(HttpMethod.GET).method(HttpMethod.HEAD)
                .handler(ctx -> Reply.ok(new JsonObject().put("status", "ok")).send(ctx.request()));
        router.route("/readyz").method(HttpMethod.GET).method(HttpMethod.HEAD).handler(ctx -> ready(ctx, readiness));
        router.route("/metrics").method(HttpMethod.GET).method(HttpMethod.HEAD).handler(ctx -> metrics(ctx, metrics));
    }

    /** The metrics' text, written out on a worker thread: a registry with many apps' series takes a while. */
    private static void metrics(RoutingContext ctx, Supplier<String> metrics) {
        ctx.vertx().executeBlocking(metrics::get, false).onComplete(text -> {
            if (text.failed()) {
                ctx.fail(text.cause());
            } else {
                ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, SCRAPE_CONTENT_TYPE).putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
                        .end(text.result());
            }
        });
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
