package io.slipway.proxy;

import io.slipway.auth.AppAccess;
import io.slipway.config.Durations;
import io.slipway.config.Plan;
import io.slipway.config.SlipwayConfig.ProxySettings;
import io.slipway.http.Problem;
import io.slipway.instances.InstanceUnavailableException;
import io.slipway.instances.Instances;
import io.slipway.instances.Lease;
import io.slipway.metering.Budgets;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.net.SocketAddress;
import io.vertx.httpproxy.Body;
import io.vertx.httpproxy.HttpProxy;
import io.vertx.httpproxy.MediaType;
import io.vertx.httpproxy.OriginRequestProvider;
import io.vertx.httpproxy.ProxyContext;
import io.vertx.httpproxy.ProxyInterceptor;
import io.vertx.httpproxy.ProxyRequest;
import io.vertx.httpproxy.ProxyResponse;
import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.util.List;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Serves {@code /containers/{id}/**}. One interceptor does Slipway's part of every exchange: it leases the app's
 * instance (waking it if it sleeps), rewrites the path, sets {@code X-Forwarded-*}, and answers with a problem of its
 * own when the app cannot be reached. The lease is released when the exchange ends, however it ends.
 */
public final class ContainerProxy implements Handler<HttpServerRequest> {
    /**
     * Connections to one app at most. Far above Vert.x's default of 5: every open SSE stream or long request holds one,
     * and MCP servers keep a stream per client. Each is one socket in the app's process, whose open-files limit the
     * sandbox raises to match. Further requests queue for a connection.
     */
    public static final int MAX_CONNECTIONS_PER_APP = 2048;
    private static final String LEASE = "slipway.lease";
    /** Carries an app's API key to Slipway, for clients that need their Authorization header for the app itself. */
    public static final String KEY_HEADER = "X-Slipway-Key";
    private static final HostAndPort LOCALHOST = HostAndPort.create("localhost", -1);
    private static final MediaType PROBLEM_MEDIA_TYPE = MediaType.parse(Problem.CONTENT_TYPE);
    private static final Problem PRIVATE_APP = Problem.of(401, "unauthorized", "Unauthorized", "this app is private: send its "
            + "owner's token or one of its API keys as 'Authorization: Bearer …' or '" + KEY_HEADER + ": …'");

    private final Instances instances;
    private final AppAccess access;
    private final java.util.function.Function<io.slipway.app.App, Plan> plans;
    private final Budgets budgets;
    private final java.util.concurrent.ConcurrentHashMap<String, TokenBucket> buckets = new java.util.concurrent.ConcurrentHashMap<>();
    private final Duration maxWait;
    private final long maxBodyBytes;
    private final Vertx vertx;
    // One client and proxy per event loop, created on it: its connections to apps stay on that loop, with no hop
    // between threads per request. Kept reachable here (Vert.x 5 closes clients that become unreachable).
    private final ThreadLocal<HttpProxy> proxies = ThreadLocal.withInitial(this::newProxy);
    private final java.util.List<HttpClient> clients = new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * @param plans   each app's plan: its request rate limit
     * @param budgets each owner's monthly active time, checked before a request may wake an app
     */
    public ContainerProxy(Vertx vertx, Instances instances, AppAccess access, Duration maxWait, ProxySettings settings,
                          java.util.function.Function<io.slipway.app.App, Plan> plans, Budgets budgets) {
        this.instances = instances;
        this.access = access;
        this.plans = plans;
        this.budgets = budgets;
        this.maxWait = maxWait;
        this.maxBodyBytes = settings.maxBodySize().bytes();
        this.vertx = vertx;
    }

    private HttpProxy newProxy() {
        // Idle connections are dropped after 4 s, before node's default 5 s server keep-alive timeout closes them,
        // so the proxy never reuses a connection the app is closing (a spurious 502).
        HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setKeepAliveTimeout(4)
                .setDecompressionSupported(false).setConnectTimeout(5000), new PoolOptions().setHttp1MaxSize(MAX_CONNECTIONS_PER_APP));
        clients.add(client);
        return HttpProxy.reverseProxy(client)
                .origin(OriginRequestProvider.selector(ContainerProxy::origin))
                // true: the interceptor must also run for WebSocket upgrades, or they would skip the path rewrite.
                .addInterceptor(new SlipwayInterceptor(), true);
    }

    @Override
    public void handle(HttpServerRequest request) {
        if (ContainerPaths.parse(request.uri()) == null) {
            Problem.of(404, "not-found", "Not Found", "no app id in " + request.path()).send(request.response());
            return;
        }
        proxies.get().handle(request);
    }

    private static Future<SocketAddress> origin(ProxyContext context) {
        java.net.SocketAddress address = context.get(LEASE, Lease.class).address();
        return Future.succeededFuture(switch (address) {
            case UnixDomainSocketAddress unix -> SocketAddress.domainSocketAddress(unix.getPath().toString());
            case InetSocketAddress inet -> SocketAddress.inetSocketAddress(inet.getPort(), inet.getHostString());
            default -> throw new IllegalStateException("cannot dial " + address);
        });
    }

    private final class SlipwayInterceptor implements ProxyInterceptor {
        @Override
        public Future<ProxyResponse> handleProxyRequest(ProxyContext context) {
            // The original URI: interceptors may already have changed the proxy request's.
            ContainerPaths paths = ContainerPaths.parse(context.request().proxiedRequest().uri());
            return checkAccess(context.request().headers(), paths.appId()).compose(refused -> admitted(context, paths, refused));
        }

        /** The request once its credentials are checked: refused with {@code refused}, or on to the rate and size checks. */
        private Future<ProxyResponse> admitted(ProxyContext context, ContainerPaths paths, Problem refused) {
            ProxyRequest request = context.request();
            HttpServerRequest incoming = request.proxiedRequest();
            var app = instances.app(paths.appId());
            if (refused == null && app.isPresent()) {
                // An unknown id is refused later, as not found, when its lease is asked for.
                Plan plan = plans.apply(app.get());
                refused = checkBudget(app.get(), plan);
                if (refused == null) refused = checkRate(app.get(), plan);
            }
            if (refused != null) return Future.succeededFuture(problemResponse(request, refused));
            long declared = request.getBody() == null ? -1 : request.getBody().length();
            if (declared > maxBodyBytes) {
                // Refused before the app is leased: an oversize body never wakes a sleeping app.
                return Future.succeededFuture(problemResponse(request, Problem.of(413, "body-too-large", "Content Too Large",
                        "the request body has " + declared + " bytes; apps accept at most " + maxBodyBytes)));
            }
            request.setURI(paths.forwardedUri());
            // The app sees the Host the client asked for. Without this the origin request would carry the host of the
            // address dialled, which a unix socket does not have, and apps answer 400 to a request without Host.
            request.setAuthority(incoming.authority() != null ? incoming.authority() : LOCALHOST);
            forwardedHeaders(request, incoming, paths);
            CompletableFuture<Lease> acquired = instances.acquire(paths.appId());
            if (acquired.isDone() && !acquired.isCompletedExceptionally()) {
                // The app runs: the usual case, handled on this event loop without a timer or a hop between threads.
                return forward(context, acquired.join());
            }
            CompletableFuture<Lease> bounded = acquired.copy().orTimeout(maxWait.toMillis(), TimeUnit.MILLISECONDS);
            // A lease granted after this request gave up waiting must still be returned.
            bounded.exceptionally(e -> {
                acquired.thenAccept(Lease::release);
                return null;
            });
            return Future.fromCompletionStage(bounded, Vertx.currentContext()).transform(result -> result.failed()
                    ? Future.succeededFuture(problemResponse(request, result.cause())) : forward(context, result.result()));
        }

        /** Sends the request on to the app, under {@code lease}. */
        private Future<ProxyResponse> forward(ProxyContext context, Lease lease) {
            ProxyRequest request = context.request();
            HttpServerRequest incoming = request.proxiedRequest();
            context.set(LEASE, lease);
            Body body = request.getBody();
            if (body != null) {
                // Counted as it streams: every chunk renews the app's activity, and a chunked body that outgrows
                // the limit has its connection cut, mid-request.
                request.setBody(Body.body(new MeteredBody(body.stream(), maxBodyBytes, () -> incoming.connection().close(),
                        lease::received), body.length(), body.mediaType()));
            }
            incoming.response().endHandler(v -> lease.release());
            incoming.response().closeHandler(v -> lease.release());
            if (incoming.response().closed()) lease.release();
            // A failure here means the app closed or reset the connection before its answer began: say so as Slipway.
            return context.sendRequest().recover(failure -> Future.succeededFuture(problemResponse(request,
                    Problem.of(502, "app-connection-lost", "Bad Gateway", "the app closed the connection before it answered"))));
        }

        @Override
        public Future<Void> handleProxyResponse(ProxyContext context) {
            Lease lease = context.get(LEASE, Lease.class);
            if (lease != null && context.isWebSocket() && context.response().getStatusCode() == 101) {
                return WebSocketTunnel.open(context, lease);
            }
            if (lease != null && !context.isWebSocket()) {
                lease.answered();
                ProxyResponse response = context.response();
                stripHopByHop(response.headers());
                Body body = response.getBody();
                if (body != null) {
                    response.setBody(Body.body(new MeteredBody(body.stream(), Long.MAX_VALUE, () -> { }, lease::sent),
                            body.length(), body.mediaType()));
                }
                HttpServerResponse client = context.request().proxiedRequest().response();
                Context eventLoop = Vertx.currentContext();
                lease.onSleep(() -> {
                    CompletableFuture<Void> ended = new CompletableFuture<>();
                    eventLoop.runOnContext(v -> {
                        // Ends a stream cleanly (the last chunk, not a reset), so that the client reconnects and wakes the app.
                        if (!client.ended() && !client.closed()) client.end();
                        ended.complete(null);
                    });
                    return ended;
                });
            }
            return context.sendResponse();
        }
    }

    /**
     * A private app answers only its owner's Slipway token or one of its API keys, given as {@code Authorization:
     * Bearer …} or {@code X-Slipway-Key}. Whatever the app, Slipway's own credentials are removed before forwarding:
     * they never reach an app, while an app's own {@code Authorization} passes untouched. Each credential is verified
     * once, and the key header only when the bearer does not already open the app. Completes with null when the request
     * may pass.
     */
    private Future<Problem> checkAccess(io.vertx.core.MultiMap headers, String appId) {
        String key = headers.get(KEY_HEADER);
        String authorization = headers.get("Authorization");
        String bearer = authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                ? authorization.substring(7).trim() : null;
        headers.remove(KEY_HEADER);
        var app = instances.app(appId);
        return access.identify(bearer).compose(viaBearer -> {
            if (viaBearer.isSlipways()) headers.remove("Authorization");
            if (app.isEmpty() || !app.get().isPrivate() || viaBearer.mayCall(appId, app.get().owner())) return Future.succeededFuture();
            return access.identify(key).map(viaKey -> viaKey.mayCall(appId, app.get().owner()) ? null : PRIVATE_APP);
        });
    }

    /** Once its owner has used the month's active time, an app is not woken: 429 until the next month. */
    private Problem checkBudget(io.slipway.app.App app, Plan plan) {
        if (!budgets.exhausted(app.owner(), plan)) return null;
        return Problem.of(429, "quota-exceeded", "Quota Exceeded", "the owner of this app has used this month's "
                + Durations.format(plan.activeTimePerMonth()) + " of active time on the " + plan.name() + " plan")
                .withRetryAfter(budgets.untilNextMonth());
    }

    /** Past its plan's request rate, an app's callers get 429 with how long to wait; the app is not bothered. */
    private Problem checkRate(io.slipway.app.App app, Plan plan) {
        double rate = plan.requestsPerSecond();
        long wait = buckets.computeIfAbsent(app.id(), id -> new TokenBucket(rate)).take();
        if (wait == 0) return null;
        return Problem.of(429, "rate-limited", "Too Many Requests", "this app accepts " + rate + " requests a second on its plan")
                .withRetryAfter(Duration.ofNanos(wait));
    }

    /**
     * Headers that describe the app's connection to Slipway, not Slipway's to the client (RFC 9110 §7.6.1), and the
     * headers the app's {@code Connection} names. vertx-http-proxy drops them from requests only; passed on in a
     * response they break HTTP/2 clients, for which a {@code connection} header is a protocol error.
     */
    static void stripHopByHop(io.vertx.core.MultiMap headers) {
        for (String listed : headers.getAll("Connection")) {
            for (String name : listed.split(",")) headers.remove(name.trim());
        }
        for (String name : HOP_BY_HOP) headers.remove(name);
    }

    private static final List<String> HOP_BY_HOP = List.of("Connection", "Keep-Alive", "Proxy-Connection", "Upgrade", "TE");

    private static void forwardedHeaders(ProxyRequest request, HttpServerRequest incoming, ContainerPaths paths) {
        var headers = request.headers();
        String client = incoming.remoteAddress() == null ? "unknown" : incoming.remoteAddress().hostAddress();
        String prior = headers.get("X-Forwarded-For");
        headers.set("X-Forwarded-For", prior == null ? client : prior + ", " + client);
        headers.set("X-Forwarded-Proto", incoming.isSSL() ? "https" : "http");
        if (incoming.authority() != null) headers.set("X-Forwarded-Host", incoming.authority().toString());
        headers.set("X-Forwarded-Prefix", paths.prefix());
    }

    private static ProxyResponse problemResponse(ProxyRequest request, Throwable failure) {
        return problemResponse(request, problemFor(failure));
    }

    private static Problem problemFor(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        Problem problem;
        if (cause instanceof InstanceUnavailableException e) {
            problem = new Problem(e.slug(), e.status(), title(e.slug()), e.getMessage(), e.retryAfter(), java.util.Map.of());
            if (e.logTail() != null && !e.logTail().isBlank()) problem = problem.with("logTail", e.logTail());
        } else if (cause instanceof TimeoutException) {
            problem = Problem.of(503, "start-timeout", "App Not Ready", "the app did not become ready in time")
                    .withRetryAfter(Duration.ofSeconds(2));
        } else {
            problem = Problem.of(502, "proxy-error", "Bad Gateway", "Slipway could not reach the app");
        }
        return problem;
    }

    private static ProxyResponse problemResponse(ProxyRequest request, Problem problem) {
        ProxyResponse response = request.response().setStatusCode(problem.status()).setStatusMessage(problem.title());
        problem.forEachHeader(response.headers()::set);
        return response.setBody(Body.body(problem.body(), PROBLEM_MEDIA_TYPE));
    }

    private static String title(String slug) {
        return switch (slug) {
            case "not-found" -> "Not Found";
            case "app-failed" -> "App Failed";
            case "queue-full", "capacity" -> "Service Unavailable";
            default -> "Unavailable";
        };
    }
}
