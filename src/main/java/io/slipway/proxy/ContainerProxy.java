package io.slipway.proxy;

import io.slipway.app.SlipwayError;
import io.slipway.auth.AppAccess;
import io.slipway.cluster.Placement;
import io.slipway.cluster.Replica;
import io.slipway.config.AppDomain;
import io.slipway.config.Durations;
import io.slipway.config.Plan;
import io.slipway.config.SlipwayConfig.ProxySettings;
import io.slipway.http.Challenge;
import io.slipway.http.Problem;
import io.slipway.http.ProblemException;
import io.slipway.http.Problems;
import io.slipway.instances.InstanceUnavailableException;
import io.slipway.instances.Instances;
import io.slipway.instances.Lease;
import io.slipway.metering.Budgets;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpMethod;
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
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Serves {@code /containers/{id}/**} and, with {@code routing.appDomain}, every request for an app's own host
 * ({@link #serves}). Slipway's part of every exchange is {@link #admit admission}: the caller's
 * credentials, the owner's budget, the app's rate and a lease on its instance (waking it if it sleeps); then the path is
 * rewritten, the forwarding headers set ({@link ForwardingHeaders}), and a problem of Slipway's own answered when the app cannot be reached. The
 * lease is released when the exchange ends, however it ends.
 *
 * <p>Ordinary HTTP/1.1 and HTTP/2 exchanges, nearly all of them, go through {@link HttpForwarder}, written for the hot
 * path. WebSocket upgrades and HTTP/1.0 clients (which cannot take a chunked answer) go through vertx-http-proxy, with
 * {@link SlipwayInterceptor} doing the same admission.
 */
public final class ContainerProxy implements Handler<HttpServerRequest> {
    /**
     * Connections to one app at most. Far above Vert.x's default of 5: every open SSE stream or long request holds one,
     * and MCP servers keep a stream per client. Each is one socket in the app's process, whose open-files limit the
     * sandbox raises to match. Further requests queue for a connection.
     */
    public static final int MAX_CONNECTIONS_PER_APP = 2048;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ContainerProxy.class);
    private static final String LEASE = "slipway.lease";
    /** Carries an app's API key to Slipway, for clients that need their Authorization header for the app itself. */
    public static final String KEY_HEADER = "X-Slipway-Key";
    static final HostAndPort LOCALHOST = HostAndPort.create("localhost", -1);
    private static final MediaType PROBLEM_MEDIA_TYPE = MediaType.parse(Problem.CONTENT_TYPE);
    /** A failure of the connection to the app before its answer began: said as Slipway. */
    static final Problem APP_CONNECTION_LOST = Problem.of(502, "app-connection-lost", "Bad Gateway",
            "the app closed the connection before it answered");
    /** Any other failure of admission: said without its message, which is not written for the client. */
    private static final Problem PROXY_ERROR = Problem.of(502, "proxy-error", "Bad Gateway", "Slipway could not reach the app");
    private static final Problem PRIVATE_APP = Problem.unauthorized("unauthorized", "this app is private: send its "
            + "owner's token or one of its API keys as 'Authorization: Bearer …' or '" + KEY_HEADER + ": …'", Challenge.bearer());
    /** RFC 6750 §3: credentials were sent, so the challenge says they were not accepted. */
    private static final Problem PRIVATE_APP_REFUSED = PRIVATE_APP.withChallenge(Challenge.bearer()
            .invalidToken("the token or key is not valid, or does not open this app"));

    private final Instances instances;
    private final McpRequests mcpRequests;
    private final AppAccess access;
    private final java.util.function.Function<io.slipway.app.App, Plan> plans;
    private final Budgets budgets;
    private final java.util.concurrent.ConcurrentHashMap<String, TokenBucket> buckets = new java.util.concurrent.ConcurrentHashMap<>();
    private final Duration maxWait;
    private final long maxBodyBytes;
    private final ForwardingHeaders forwarding;
    /** Null when apps have no hosts of their own. */
    private final AppDomain appDomain;
    private final Vertx vertx;
    // One client and proxy per event loop, created on it: its connections to apps stay on that loop, with no hop
    // between threads per request. Kept reachable here (Vert.x 5 closes clients that become unreachable).
    private final ThreadLocal<PerLoop> loops = ThreadLocal.withInitial(this::newLoop);
    private final java.util.List<HttpClient> clients = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final ProtectedResources protectedResources;
    private final io.slipway.metering.ToolMeter tools;
    private final ExchangeListener exchanges;
    /** Where each app runs among replicas sharing a database; null for one Slipway alone. */
    private final Placement placement;

    /**
     * @param plans     each app's plan: its request rate limit
     * @param budgets   each owner's monthly active time, checked before a request may wake an app
     * @param appDomain the domain below which each app has a host of its own ({@code routing.appDomain}), if any
     * @param protectedResources which private apps are OAuth protected resources, whose 401 says where to get a token
     * @param exchanges who hears of every answer's status and time (metrics)
     * @param placement where each app runs among replicas sharing a database (null: one Slipway alone, which serves all)
     */
    public ContainerProxy(Vertx vertx, Instances instances, AppAccess access, Duration maxWait, ProxySettings settings,
                          java.util.function.Function<io.slipway.app.App, Plan> plans, Budgets budgets,
                          java.util.Optional<AppDomain> appDomain, ProtectedResources protectedResources, McpRequests mcp,
                          io.slipway.metering.ToolMeter tools, ExchangeListener exchanges, Placement placement) {
        this.placement = placement;
        this.exchanges = exchanges;
        this.mcpRequests = mcp;
        this.tools = tools;
        this.instances = instances;
        this.access = access;
        this.plans = plans;
        this.budgets = budgets;
        this.maxWait = maxWait;
        this.maxBodyBytes = settings.maxBodySize().bytes();
        this.forwarding = new ForwardingHeaders(settings.trustedProxies());
        this.appDomain = appDomain.orElse(null);
        this.vertx = vertx;
        this.protectedResources = protectedResources;
    }

    private volatile boolean accessLog = true;

    /** Whether each exchange gets a line in the access log ({@code logging.accessLog}; on by default). */
    public void accessLog(boolean on) {
        this.accessLog = on;
    }

    /** An event loop's own client to the apps, the two ways of forwarding over it, and the relay to other replicas. */
    private record PerLoop(HttpForwarder forwarder, HttpProxy proxy, ReplicaRelay relay) {
    }

    private PerLoop newLoop() {
        // Idle connections are dropped after 4 s, before node's default 5 s server keep-alive timeout closes them,
        // so the proxy never reuses a connection the app is closing (a spurious 502).
        HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setKeepAliveTimeout(4)
                .setDecompressionSupported(false).setConnectTimeout(5000), new PoolOptions().setHttp1MaxSize(MAX_CONNECTIONS_PER_APP));
        clients.add(client);
        HttpProxy proxy = HttpProxy.reverseProxy(client)
                .origin(OriginRequestProvider.selector(context -> Future.succeededFuture(origin(context.get(LEASE, Lease.class)))))
                // true: the interceptor must also run for WebSocket upgrades, or they would skip the path rewrite.
                .addInterceptor(new SlipwayInterceptor(), true);
        ReplicaRelay relay = placement == null ? null : new ReplicaRelay(client, placement.replica().id(), placement.leasePeriod());
        return new PerLoop(new HttpForwarder(client, this, maxBodyBytes), proxy, relay);
    }

    /**
     * Whether {@code request} is the data plane's: it is for a host below {@code routing.appDomain} (an app's own host,
     * whatever its path: {@code /api/…} there is the app's, never Slipway's API), or its path is under
     * {@code /containers/}. Only the request's own authority ({@code Host}, or HTTP/2's {@code :authority}) says which
     * host it is for, never {@code X-Forwarded-Host} or {@code Forwarded}, even from a trusted proxy: a proxy in front
     * passes the client's {@code Host} on.
     */
    public boolean serves(HttpServerRequest request) {
        return appHostLabel(request) != null || request.path().startsWith(ContainerPaths.ROOT);
    }

    /** Forwards a request that Slipway {@link #serves} to its app, or answers why it cannot. */
    @Override
    public void handle(HttpServerRequest request) {
        long arrived = System.nanoTime();
        String label = appHostLabel(request);
        ContainerPaths paths = label != null && !request.uri().startsWith("/") ? null : paths(request, label);
        String known = paths != null && instances.app(paths.appId()).isPresent() ? paths.appId() : null;
        HttpServerResponse response = request.response();
        response.headersEndHandler(v -> exchanges.answered(known, response.getStatusCode(), System.nanoTime() - arrived));
        if (accessLog) AccessLog.follow(request, known, arrived);
        if (label != null && !request.uri().startsWith("/")) {
            // RFC 9112 §3.2.2 would have the absolute form's authority outrank Host: refused rather than told two ways.
            Problem.of(400, "bad-request", "Bad Request", "the request target must be a path (origin-form, RFC 9112 §3.2.1)")
                    .send(request.response());
            return;
        }
        if (paths == null) {
            String where = label != null ? "the host " + request.authority().host() : request.path();
            Problem.of(404, "not-found", "Not Found", "no app id in " + where).send(request.response());
            return;
        }
        if (placement != null && !placement.surelyHere(paths.appId()) && request.getHeader(Replica.RELAYED_BY) == null) {
            placeThenServe(request, paths, false);
        } else {
            serve(request, paths);
        }
    }

    /**
     * Replicas: the control-plane calls that belong where an app runs are relayed there — a redeploy
     * ({@code PUT /api/containers/servers/{id}}) or a change of settings ({@code PATCH}) to the replica running the app,
     * which starts the new version beside the one serving; its log ({@code GET …/{id}/logs}) to that replica or the one that ran it last, which has the log.
     * Returns false, touching nothing, for any other request, and when this Slipway is alone; else the request is
     * relayed, or given to {@code here} (the API) when this replica is the place or the other does not answer.
     */
    public boolean relaysControlPlane(HttpServerRequest request, io.vertx.core.Handler<HttpServerRequest> here) {
        if (placement == null || request.getHeader(Replica.RELAYED_BY) != null) return false;
        java.util.regex.Matcher call = CONTROL_PLANE.matcher(request.path());
        if (!call.matches()) return false;
        boolean logs = call.group(2) != null;
        if (logs ? request.method() != HttpMethod.GET : request.method() != HttpMethod.PUT && request.method() != HttpMethod.PATCH) return false;
        request.pause();
        String appId = call.group(1);
        Vertx.currentContext().executeBlocking(() -> placement.holder(appId, logs), false).onComplete(where -> {
            if (where.succeeded() && where.result().isPresent()) {
                loops.get().relay().relay(request, where.result().get(), () -> here.handle(request));
            } else {
                here.handle(request);
            }
        });
        return true;
    }

    private static final java.util.regex.Pattern CONTROL_PLANE = java.util.regex.Pattern.compile("/api/containers/servers/([^/]+)(/logs)?");

    private void serve(HttpServerRequest request, ContainerPaths paths) {
        PerLoop loop = loops.get();
        if (request.version() == HttpVersion.HTTP_1_0 || request.headers().contains(HttpHeaders.UPGRADE)) {
            loop.proxy().handle(request);
        } else {
            loop.forwarder().forward(request, paths);
        }
    }

    /**
     * Replicas: asks the database where the app runs (off the event loop), then serves the request here or relays it
     * there. A replica that does not answer is asked about once more ({@code retried}): an app it held last but whose
     * lease ran out is then served here.
     */
    private void placeThenServe(HttpServerRequest request, ContainerPaths paths, boolean retried) {
        request.pause();
        String appId = paths.appId();
        Vertx.currentContext().executeBlocking(() -> placement.elsewhere(appId), false).onComplete(where -> {
            if (where.failed()) {
                LOG.warn("cannot tell which replica runs app {}: {}", appId, where.cause().getMessage());
                Problem.of(503, "store-unavailable", "Service Unavailable", "Slipway cannot reach its database to tell where this app runs")
                        .withRetryAfter(Duration.ofSeconds(2)).send(request.response());
                request.resume();
            } else if (where.result().isPresent()) {
                String replica = where.result().get();
                Runnable unreachable = () -> {
                    placement.unreachable(appId, replica);
                    if (retried) loops.get().relay().refuse(request, replica); else placeThenServe(request, paths, true);
                };
                if (request.headers().contains(HttpHeaders.UPGRADE)) loops.get().relay().tunnel(request, replica, unreachable);
                else loops.get().relay().relay(request, replica, unreachable);
            } else {
                serve(request, paths);
            }
        });
    }

    /**
     * What a host below the app domain names there ({@link AppDomain#labelOf}): an app id, or something that is none;
     * null for any other host (Slipway's own, the bare app domain), or when no domain is set.
     */
    private String appHostLabel(HttpServerRequest request) {
        if (appDomain == null) return null;
        HostAndPort authority = request.authority();
        return authority == null ? null : appDomain.labelOf(authority.host());
    }

    /** The app and the path it is sent, from the request's host ({@code label}, when it is an app's) or its path. */
    private static ContainerPaths paths(HttpServerRequest request, String label) {
        return label != null ? ContainerPaths.onAppHost(label, request.uri()) : ContainerPaths.parse(request.uri());
    }

    /** Where the app under {@code lease} is dialled. */
    static SocketAddress origin(Lease lease) {
        return io.slipway.http.AppAddresses.of(lease.address());
    }

    /**
     * Slipway's part before an exchange reaches the app: the caller's credentials (Slipway's own are removed from
     * {@code headers}, those to be forwarded), the owner's monthly budget, the app's request rate and the declared body
     * size ({@code declaredLength}, -1 when unknown); then a lease on the app's instance, which wakes it if it sleeps and
     * waits for it at most {@code instances.maxWait}. Fails with the reason to answer instead ({@link #problemFor}).
     */
    Future<Lease> admit(ContainerPaths paths, MultiMap headers, long declaredLength) {
        return check(paths, headers, declaredLength).compose(v -> lease(paths.appId()));
    }

    /**
     * Admission's checks without its lease ({@link #admit}): for an answer Slipway gives itself, in the app's place, to
     * a caller the app would have been given to (MCP discovery while it sleeps). Fails as admission does.
     */
    Future<Void> check(ContainerPaths paths, MultiMap headers, long declaredLength) {
        String appId = paths.appId();
        return checkAccess(headers, paths).compose(refused -> {
            var app = instances.app(appId);
            if (refused == null && app.isPresent()) {
                // An unknown id is refused later, as not found, when its lease is asked for.
                Plan plan = plans.apply(app.get());
                refused = checkBudget(app.get(), plan);
                if (refused == null) refused = checkRate(app.get(), plan);
            }
            if (refused == null && declaredLength > maxBodyBytes) {
                // Refused before the app is leased: an oversize body never wakes a sleeping app.
                refused = Problem.of(413, "body-too-large", "Content Too Large",
                        "the request body has " + declaredLength + " bytes; apps accept at most " + maxBodyBytes);
            }
            if (refused != null) return Future.failedFuture(new ProblemException(refused));
            return Future.<Void>succeededFuture();
        });
    }

    McpRequests mcpRequests() {
        return mcpRequests;
    }

    /** The observer of {@code incoming} when it is a tool call to the app ({@link ToolCallObserver}), else null. */
    ToolCallObserver toolCall(String appId, HttpServerRequest incoming, java.util.Optional<io.slipway.mcp.JsonRpc> message) {
        return instances.app(appId).map(app -> ToolCallObserver.of(tools, app, plans.apply(app), incoming, message)).orElse(null);
    }

    /**
     * The observer of a request whose body is not read ({@link McpRequests#candidate} is not), when its {@code Mcp-Method}
     * header (MCP 2026-07-28) says it is a tool call to a recognised MCP server; else null, at the cost of one header lookup.
     */
    ToolCallObserver toolCallByHeaders(HttpServerRequest incoming, ContainerPaths paths) {
        if (incoming.getHeader(io.slipway.mcp.ToolCalls.METHOD_HEADER) == null || mcpRequests.postedTo(incoming, paths).isEmpty()) return null;
        return toolCall(paths.appId(), incoming, java.util.Optional.empty());
    }

    /** A lease on the app's instance, waking it if it sleeps and waiting for it at most {@code instances.maxWait}. */
    Future<Lease> lease(String appId) {
        CompletableFuture<Lease> acquired = instances.acquire(appId);
        if (acquired.isDone() && !acquired.isCompletedExceptionally()) {
            // The app runs: the usual case, handled on this event loop without a timer or a hop between threads.
            return Future.succeededFuture(acquired.join());
        }
        CompletableFuture<Lease> bounded = acquired.copy().orTimeout(maxWait.toMillis(), TimeUnit.MILLISECONDS);
        // A lease granted after this request gave up waiting must still be returned.
        bounded.exceptionally(e -> {
            acquired.thenAccept(Lease::release);
            return null;
        });
        return Future.fromCompletionStage(bounded, Vertx.currentContext());
    }

    /**
     * Releases {@code lease} once the answer to the client has ended or its connection closed, whichever comes first;
     * when the client hangs up before its answer ended, {@code onHangUp} runs too.
     */
    static void releaseWhenDone(Lease lease, HttpServerResponse client, Runnable onHangUp) {
        ResponseEnds.onEnd(client, lease::release);
        ResponseEnds.onClose(client, () -> {
            lease.release();
            if (!client.ended()) onHangUp.run();
        });
        if (client.closed()) lease.release();
    }

    /** When the app goes to sleep, an answer still streaming (SSE) is ended cleanly, the last chunk rather than a reset. */
    static void endWhenAsleep(Lease lease, HttpServerResponse client) {
        Context eventLoop = Vertx.currentContext();
        lease.onSleep(() -> {
            CompletableFuture<Void> ended = new CompletableFuture<>();
            eventLoop.runOnContext(v -> {
                // So that the client reconnects, and wakes the app.
                if (!client.ended() && !client.closed()) client.end();
                ended.complete(null);
            });
            return ended;
        });
    }

    /** Admission and forwarding for the exchanges vertx-http-proxy carries: WebSocket upgrades and HTTP/1.0. */
    private final class SlipwayInterceptor implements ProxyInterceptor {
        @Override
        public Future<ProxyResponse> handleProxyRequest(ProxyContext context) {
            ProxyRequest request = context.request();
            HttpServerRequest incoming = request.proxiedRequest();
            // The original URI: interceptors may already have changed the proxy request's.
            ContainerPaths paths = paths(incoming, appHostLabel(incoming));
            long declared = request.getBody() == null ? -1 : request.getBody().length();
            request.setURI(paths.forwardedUri());
            // The app sees the Host the client asked for. Without this the origin request would carry the host of the
            // address dialled, which a unix socket does not have, and apps answer 400 to a request without Host.
            request.setAuthority(incoming.authority() != null ? incoming.authority() : LOCALHOST);
            forwardedHeaders(request.headers(), incoming, paths);
            return admit(paths, request.headers(), declared).transform(admitted -> admitted.failed()
                    ? Future.succeededFuture(problemResponse(request, problemFor(admitted.cause()))) : forward(context, admitted.result()));
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
            // vertx-http-proxy resets the request to the app itself when the client hangs up.
            releaseWhenDone(lease, incoming.response(), () -> { });
            return context.sendRequest().recover(failure -> Future.succeededFuture(problemResponse(request, APP_CONNECTION_LOST)));
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
                HopByHop.strip(response.headers());
                Body body = response.getBody();
                if (body != null) {
                    response.setBody(Body.body(new MeteredBody(body.stream(), Long.MAX_VALUE, () -> { }, lease::sent),
                            body.length(), body.mediaType()));
                }
                endWhenAsleep(lease, context.request().proxiedRequest().response());
            }
            return context.sendResponse();
        }
    }

    /**
     * A private app answers only its owner's Slipway token or one of its API keys, given as {@code Authorization:
     * Bearer …} or {@code X-Slipway-Key}; a private MCP server also its owner's token from the identity provider for
     * that server (its {@code aud}), and its 401 says where to learn how to get one ({@link ProtectedResources}).
     * Whatever the app, Slipway's own credentials are taken out of the headers to be forwarded
     * ({@link SlipwayCredentials}): they never reach an app, while an app's own {@code Authorization} passes untouched.
     * Completes with null when the request may pass.
     */
    private Future<Problem> checkAccess(MultiMap headers, ContainerPaths paths) {
        String appId = paths.appId();
        var app = instances.app(appId);
        // RFC 6750 §3.1: a request that offered no bearer credential is told only the realm; one that did, that it failed.
        boolean offered = headers.contains(KEY_HEADER) || headers.getAll(SlipwayCredentials.AUTHORIZATION).stream()
                .anyMatch(v -> v.strip().regionMatches(true, 0, "Bearer", 0, 6));
        var audiences = app.map(protectedResources::audiences).orElse(io.slipway.auth.ResourceIndicators.NONE);
        return SlipwayCredentials.takeOut(headers, access, audiences).map(callers -> {
            if (app.isEmpty() || !app.get().isPrivate()) return null;
            if (callers.stream().anyMatch(c -> c.mayCall(appId, app.get().owner()))) return null;
            Problem refused = offered ? PRIVATE_APP_REFUSED : PRIVATE_APP;
            return refused.withChallenge(protectedResources.challenge(app.get(), paths.onAppHost(), refused.challenge()));
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

    /** Tells the app who called, how, and under which prefix it is served ({@link ForwardingHeaders}). */
    void forwardedHeaders(MultiMap headers, HttpServerRequest incoming, ContainerPaths paths) {
        forwarding.apply(headers, incoming, paths.prefix());
    }

    /** The problem Slipway answers when admission failed with {@code failure}. */
    static Problem problemFor(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (cause instanceof ProblemException e) return e.problem();
        // The wait for the lease ran out (lease()): the app is not ready yet.
        if (cause instanceof TimeoutException) cause = InstanceUnavailableException.startTimeout();
        if (cause instanceof SlipwayError e && e.kind() != SlipwayError.Kind.INTERNAL) return Problems.of(e);
        return PROXY_ERROR;
    }

    private static ProxyResponse problemResponse(ProxyRequest request, Problem problem) {
        ProxyResponse response = request.response().setStatusCode(problem.status()).setStatusMessage(problem.title());
        problem.forEachHeader(response.headers()::set);
        return response.setBody(Body.body(problem.body(), PROBLEM_MEDIA_TYPE));
    }
}
