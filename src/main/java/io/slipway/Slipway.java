package io.slipway;

import io.slipway.api.ApiRouter;
import io.slipway.api.Readiness;
import io.slipway.app.App;
import io.slipway.app.DataDir;
import io.slipway.auth.AppAccess;
import io.slipway.auth.JwksVerifier;
import io.slipway.auth.RoutingTokenVerifier;
import io.slipway.auth.TokenService;
import io.slipway.auth.TokenVerifier;
import io.slipway.build.AppBuilder;
import io.slipway.build.RegistryProxy;
import io.slipway.config.SlipwayConfig.BuildSettings.BuildNetwork;
import io.slipway.config.ConfigLoader;
import io.slipway.config.Durations;
import io.slipway.config.SlipwayConfig;
import io.slipway.deploy.AccessKeys;
import io.slipway.deploy.DependencySetSweeper;
import io.slipway.deploy.Deployments;
import io.slipway.deploy.UploadValidator;
import io.slipway.http.FramingGuard;
import io.slipway.instances.Instances;
import io.slipway.instances.LifecycleListener;
import io.slipway.boot.Replicas;
import io.slipway.cluster.Placement;
import io.slipway.metering.Budgets;
import io.slipway.metering.LiveUsage;
import io.slipway.metering.ToolMeter;
import io.slipway.metrics.PlatformMeters;
import io.slipway.metrics.SlipwayMetrics;
import io.slipway.metering.ToolUsageStore;
import io.slipway.metering.UsageStore;
import io.slipway.proxy.ContainerProxy;
import io.slipway.proxy.Endpoints;
import io.slipway.proxy.InvalidRequests;
import io.slipway.proxy.ProtectedResourceMetadata;
import io.slipway.proxy.ProtectedResources;
import io.slipway.runtime.SandboxLimits;
import io.slipway.runtime.SandboxSpec;
import io.slipway.runtime.Artifact;
import io.slipway.runtime.Layer;
import io.slipway.runtime.NetworkPolicy;
import io.slipway.artifacts.LocalArtifactStore;
import io.slipway.logs.AppLogs;
import io.slipway.logs.LogWatch;
import io.slipway.runtime.SandboxRuntime;
import io.slipway.boot.RuntimeFactory;
import io.slipway.runtime.process.DataDirAccess;
import io.slipway.sandbox.HostTools;
import io.slipway.store.ApiKeyStore;
import io.slipway.store.AppStore;
import io.slipway.store.Database;
import io.slipway.store.UserStore;
import io.slipway.users.Accounts;
import io.slipway.mcp.McpRecognition;
import io.slipway.mcp.McpRecords;
import io.slipway.store.McpRecordStore;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.net.URI;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running Slipway: store, builder, sandbox runtime, instances, and one HTTP server whose requests under
 * {@code /containers/} (and for apps' own hosts) go to the proxy (on the event loop), those for a private MCP server's
 * OAuth metadata to {@link ProtectedResourceMetadata}, and all others to the control-plane router.
 */
public final class Slipway implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Slipway.class);
    /** The variable that tells every app its endpoint (DESIGN §4). */
    private static final String PUBLIC_URL = "PUBLIC_URL";

    private final Database database;
    private final Instances instances;
    private final Vertx vertx;
    private final List<HttpServer> servers;
    private final TokenService tokens;
    private final SandboxRuntime runtime;
    private final AppBuilder builder;
    private final RegistryProxy registryProxy;
    /** How long requests in flight may take to finish once Slipway is told to stop; then their connections are closed. */
    private final java.time.Duration drain;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
    private final Readiness readiness;
    private final DependencySetSweeper sweeper;
    private final LogWatch logWatch;
    private final ToolMeter tools;
    private final SlipwayMetrics metrics;
    /** Null for one Slipway alone (SQLite). */
    private final Replicas replicas;

    private Slipway(Database database, Instances instances, Vertx vertx, List<HttpServer> servers, TokenService tokens,
                    SandboxRuntime runtime, AppBuilder builder, RegistryProxy registryProxy, java.time.Duration drain, Readiness readiness,
                    DependencySetSweeper sweeper, LogWatch logWatch, ToolMeter tools, SlipwayMetrics metrics, Replicas replicas) {
        this.replicas = replicas;
        this.metrics = metrics;
        this.tools = tools;
        this.logWatch = logWatch;
        this.builder = builder;
        this.readiness = readiness;
        this.sweeper = sweeper;
        this.runtime = runtime;
        this.drain = drain;
        this.registryProxy = registryProxy;
        this.database = database;
        this.instances = instances;
        this.vertx = vertx;
        this.servers = servers;
        this.tokens = tokens;
    }

    /** Starts everything and returns once the server listens. */
    public static Slipway start(SlipwayConfig config, InstantSource clock) {
        ConfigLoader.describe(config).forEach(line -> LOG.info("config: {}", line));
        DataDir dataDir = DataDirAccess.prepare(config.dataDir());
        if (config.sandbox().enabled()) DataDirAccess.openForSandboxes(dataDir, config.build());
        Database database = Database.open(config.databaseUrl(), dataDir.database());
        // Env values are sealed before anything reads them; plain text from before encryption is sealed now (README, "Secrets at rest").
        AppStore store = io.slipway.boot.EnvKeys.of(config.secrets(), database, dataDir.root()).store();
        byte[] tokenSecret = io.slipway.boot.TokenSecret.of(database, dataDir.root());
        TokenService tokens = new TokenService(tokenSecret, clock);
        HostTools tools = HostTools.find();
        if (!config.sandbox().enabled()) {
            LOG.warn("RUNNING WITHOUT A SANDBOX (--unsafe-no-sandbox): uploaded code runs as {} with full access to this machine",
                    System.getProperty("user.name"));
        }
        int slept = store.sleepAllAfterRestart(clock.instant());
        if (slept > 0) LOG.info("{} apps that ran before the restart are asleep until their next request", slept);

        RuntimeFactory runtimes = new RuntimeFactory(config, tools, dataDir);
        AppLogs appLogs = new AppLogs(dataDir.logs(), config.sandbox().logSize().bytes());
        // Build pods (runtime: kubernetes) have the proxy as their way out too, wherever Slipway's own sandbox is off.
        boolean buildsSandboxed = config.sandbox().enabled() || config.runtime().kind() == io.slipway.config.RuntimeSettings.Kind.KUBERNETES;
        RegistryProxy registryProxy = buildsSandboxed && config.build().network() == BuildNetwork.PROXY
                ? RegistryProxy.start(dataDir.root().resolve("registry-proxy"), RegistryProxy.hostsFor(config.build()))
                : null;
        LocalArtifactStore artifacts = new LocalArtifactStore(dataDir);
        AtomicReference<Integer> listening = new AtomicReference<>(config.port());
        io.slipway.artifacts.ArtifactTokens grants = new io.slipway.artifacts.ArtifactTokens(tokenSecret, clock);
        SandboxRuntime runtime = runtimes.runtime(artifacts, new io.slipway.artifacts.LayerDownloads(grants,
                () -> RuntimeFactory.artifactUrl(config, listening.get())));
        io.slipway.artifacts.BuildTransfers buildFiles = new io.slipway.artifacts.BuildTransfers(grants,
                () -> RuntimeFactory.artifactUrl(config, listening.get()));
        AppBuilder builder = new AppBuilder(config, dataDir, artifacts, runtimes.builds(runtime, registryProxy, buildFiles));
        LOG.info("apps run on the {} runtime", runtime.name());
        int staleBuilds = builder.stopBuilds("left by an earlier run");
        if (staleBuilds > 0) LOG.info("killed {} package installs left by an earlier run", staleBuilds);
        var leftovers = runtime.adoptOrReap(new java.util.HashSet<>(store.listAll().stream().map(App::id).toList()));
        if (leftovers.reaped() > 0) LOG.info("removed {} sandboxes left by an earlier run", leftovers.reaped());
        UsageStore usage = new UsageStore(database);
        Budgets budgets = new Budgets(usage, clock);
        ToolUsageStore toolUsage = new ToolUsageStore(database);
        SlipwayMetrics metrics = new SlipwayMetrics();
        PlatformMeters meters = new PlatformMeters(metrics.registry());
        builder.observeBuilds(meters);
        ToolMeter toolMeter = new ToolMeter(toolUsage, clock, meters);
        AtomicReference<Instances> running = new AtomicReference<>();
        // Replicas sharing a PostgreSQL database run each app on one of them, by a lease (README, "Several replicas").
        Replicas replicas = database.kind() == Database.Kind.POSTGRESQL
                ? Replicas.on(database, config, dataDir, clock, listening::get) : null;
        LifecycleListener lifecycle = ((LifecycleListener) (id, status, error, lastActive) -> store.updateStatus(id, status, error,
                clock.instant(), lastActive)).andThen(meters);
        if (replicas != null) lifecycle = lifecycle.andThen(replicas.releasesOnStop());
        // The public URL is known once the server listens (port 0); no app starts before then, as only a request starts one.
        AtomicReference<URI> publicUrl = new AtomicReference<>(config.publicUrl().orElse(null));
        Endpoints endpoints = new Endpoints(publicUrl::get, config.routing().appDomain());
        Instances instances = new Instances(runtime, config.instances(), clock,
                lifecycle,
                app -> spec(app, config, appLogs, endpoints), appLogs::of,
                (app, at, used) -> {
                    usage.add(app.id(), app.owner(), at, used);
                    if (budgets.add(app.owner(), config.plan(app.plan()), at, used.activeMillis() / 10)) {
                        LOG.info("user {} has used this month's active time of the {} plan: their apps go to sleep", app.owner(), app.plan());
                        running.get().sleepAllOf(app.owner(), "this month's active time is used up");
                    }
                }, config.meteringInterval());
        running.set(instances);
        meters.countRunning(instances::running);
        Deployments deployments = new Deployments(store, builder, instances, artifacts, appLogs, new UploadValidator(config), clock,
                config.build().limits(), config.build().timeout(),
                new io.slipway.deploy.Versions(new io.slipway.store.VersionStore(database), artifacts, config.apps().versionsKept()));
        List<App> apps = store.listAll();
        apps.forEach(instances::register);
        deployments.removeUnfinished(apps);
        // io_uring, else epoll, through Netty's native transports where their libraries are shipped (x86-64), else NIO.
        io.vertx.core.transport.Transport transport = io.slipway.http.NetworkTransports.choose(config.proxy().transport());
        String fallback = io.slipway.http.NetworkTransports.fallbackReason(config.proxy().transport(), transport);
        if (!fallback.isEmpty()) LOG.info("network transport: {} ({})", io.slipway.http.NetworkTransports.name(transport), fallback);
        Vertx vertx = metrics.vertx(new io.vertx.core.VertxOptions(), transport);
        // Local tokens unless turned off, and the identity provider's when one is configured; its keys are fetched now.
        TokenVerifier verifier = new RoutingTokenVerifier(config.auth().localTokens() ? tokens : null,
                config.auth().jwksUrl().isPresent() ? JwksVerifier.start(vertx, config.auth(), clock) : null, config.auth().admins());
        AppAccess access = new AppAccess(verifier);
        AccessKeys keys = new AccessKeys(store, new ApiKeyStore(database), access, clock);
        McpRecords mcpRecords = new McpRecords(new McpRecordStore(database));
        mcpRecords.load(apps);
        // Clients' MCP sessions held across the apps' sleeps; one unused for a day is forgotten.
        io.slipway.mcp.McpSessions mcpSessions = new io.slipway.mcp.McpSessions(clock, java.time.Duration.ofDays(1));
        io.slipway.store.SourceStore sources = new io.slipway.store.SourceStore(database);
        Placement placement = replicas == null ? null : replicas.attach(instances, deployments, store, artifacts, builder, sources, appLogs::of,
                app -> {
                    instances.refresh(app);
                    mcpRecords.load(List.of(app));
                });
        deployments.onDelete(id -> {
            if (replicas != null) {
                replicas.leases().forget(id);
                sources.deleteAllOf(id);
            }
            keys.removeAllOf(id);
            mcpRecords.forget(id);
            mcpSessions.forget(id);
            toolMeter.forget(id);
            meters.forget(id);
        });
        // MCP discovery talks to apps as a client would, one connection per request: it runs once per version.
        instances.inspectStartsWith(new McpRecognition(mcpRecords, vertx.createHttpClient(new io.vertx.core.http.HttpClientOptions()
                .setKeepAlive(false).setConnectTimeout(2000)), java.time.Duration.ofSeconds(5), appLogs::of));

        Accounts accounts = new Accounts(new UserStore(database), store, instances, config.plans(), clock);
        Readiness readiness = Readiness.of(database, runtime, clock);
        LogWatch logWatch = LogWatch.start(dataDir.logs());
        Router api = ApiRouter.create(vertx, deployments, keys, new LiveUsage(usage, instances::unwrittenUsage, clock, toolUsage, toolMeter, runtime::storageUsed), accounts, clock, verifier, config, dataDir, endpoints, readiness, logWatch,
                mcpRecords, metrics::scrape, new io.slipway.api.ArtifactDownloads(grants, artifacts), new io.slipway.api.BuildFileTransfers(buildFiles));
        ProtectedResources protectedResources = ProtectedResources.of(endpoints, config.auth(), app -> mcpRecords.of(app).isPresent());
        ContainerProxy proxy = new ContainerProxy(vertx, instances, access, config.instances().maxWait(), config.proxy(),
                app -> config.plan(app.plan()), budgets, config.routing().appDomain(), protectedResources,
                new io.slipway.proxy.McpRequests(instances, mcpRecords, mcpSessions), toolMeter, meters, placement);
        proxy.accessLog(config.logging().accessLog());
        ProtectedResourceMetadata resourceMetadata = new ProtectedResourceMetadata(instances::app, protectedResources,
                config.routing().appDomain());
        java.time.Duration longestDeploy = config.build().timeout().plus(config.instances().startTimeout());
        if (config.proxy().idleTimeout().compareTo(longestDeploy) < 0) {
            // The upload's connection is silent while it builds and starts: the idle timeout would cut it off.
            LOG.warn("proxy.idleTimeout ({}) is shorter than an upload may take (build.timeout + instances.startTimeout = {}): an upload "
                    + "still building or starting then loses its connection before its answer", io.slipway.config.Durations.format(
                    config.proxy().idleTimeout()), io.slipway.config.Durations.format(longestDeploy));
        }
        HttpServerOptions options = new HttpServerOptions().setHandle100ContinueAutomatically(true)
                .setCompressionSupported(false).setTcpNoDelay(true)
                // Slipway never ends a WebSocket itself (upgrades are tunnelled to the app, which negotiates its own
                // extensions): no compression handler in every connection's pipeline.
                .setPerMessageWebSocketCompressionSupported(false).setPerFrameWebSocketCompressionSupported(false)
                .setMaxHeaderSize((int) config.proxy().maxHeaderSize().bytes())
                .setIdleTimeout((int) config.proxy().idleTimeout().toMillis()).setIdleTimeoutUnit(TimeUnit.MILLISECONDS);
        Handler<HttpServerRequest> requests = request -> {
            if (resourceMetadata.serves(request)) {
                resourceMetadata.handle(request);
            } else if (proxy.serves(request)) {
                proxy.handle(request);
            } else if (!proxy.relaysControlPlane(request, api)) {
                api.handle(request);
            }
        };
        // proxy.eventLoops servers (half the cores by default), each on an event loop of its own, sharing the port
        // (Vert.x spreads connections among them). Port 0 becomes -1: one random port shared by every instance, where
        // 0 would give each its own.
        List<HttpServer> servers = new java.util.concurrent.CopyOnWriteArrayList<>();
        int port = config.port() == 0 ? -1 : config.port();
        try {
            vertx.deployVerticle(() -> new VerticleBase() {
                @Override
                public Future<?> start() {
                    // FramingGuard: a request whose framing is ambiguous or broken is refused before anything handles it.
                    HttpServer server = vertx.createHttpServer(options).connectionHandler(FramingGuard::install)
                            .invalidRequestHandler(InvalidRequests::answer).requestHandler(requests);
                    servers.add(server);
                    return server.listen(port, config.host());
                }
            }, new DeploymentOptions().setInstances(config.proxy().eventLoops())).await();
        } catch (Exception e) {
            // Not only RuntimeException: await() passes a failed bind on as the IOException it is, undeclared.
            vertx.close();
            logWatch.close();
            instances.close();
            runtime.close();
            if (registryProxy != null) registryProxy.close();
            if (replicas != null) replicas.close();
            metrics.close();
            database.close();
            throw new IllegalStateException("cannot listen on " + config.host() + ":" + config.port() + ": " + e.getMessage(), e);
        }
        // Tool calls are written as the instances' use is, at every metering interval, on a virtual thread (it blocks).
        long meter = config.meteringInterval().toMillis();
        vertx.setPeriodic(meter, meter, timer -> Thread.ofVirtual().name("tool-metering").start(toolMeter::flush));
        HttpServer server = servers.getFirst();
        publicUrl.compareAndSet(null, URI.create("http://localhost:" + server.actualPort()));
        listening.set(server.actualPort());
        // Always-on apps start from now on (their PUBLIC_URL is known now), and again after each exit, while their plan
        // allows them and their owner has active time left; with replicas, where their lease is (the start claims it).
        instances.keepAlwaysOnAppsUp(app -> config.plan(app.plan()).alwaysOn() > 0, app -> !budgets.exhausted(app.owner(), config.plan(app.plan())),
                replicas == null ? null : store::listAlwaysOn);
        LOG.info("Slipway listening on http://localhost:{} ({} apps, data in {}, {} event loops, {})", server.actualPort(), apps.size(),
                dataDir.root(), servers.size(), io.slipway.http.NetworkTransports.name(transport));
        Thread.ofVirtual().name("prepare-tools").start(() -> prepareTools(builder, appLogs.of("tools")));
        DependencySetSweeper sweeper = DependencySetSweeper.start(deployments, config.build().limits().keepUnusedDeps());
        return new Slipway(database, instances, vertx, servers, tokens, runtime, builder, registryProxy, config.proxy().drainTimeout(), readiness,
                sweeper, logWatch, toolMeter, metrics, replicas);
    }

    /** What the app runs as: its code, limits and network, and its own variables with its endpoint as {@code PUBLIC_URL}. */
    private static SandboxSpec spec(App app, SlipwayConfig config, AppLogs logs, Endpoints endpoints) {
        var plan = config.plan(app.plan());
        Map<String, String> env = new java.util.LinkedHashMap<>(app.env());
        // Slipway's, whatever the app's env says: an upload may not set it (UploadValidator), and an env stored before it was
        // Slipway's does not win.
        env.put(PUBLIC_URL, endpoints.of(app.id()));
        Artifact artifact = new Artifact(app.language(), app.entryFile(), Layer.of(Layer.Kind.CODE, app.codeHash()),
                java.util.Optional.ofNullable(app.depsKey()).map(key -> Layer.of(Layer.Kind.DEPENDENCIES, key)));
        return new SandboxSpec(app.id(), artifact, env, new SandboxLimits(plan.memory(), config.sandbox().pids(), plan.cpus(), plan.storage()),
                NetworkPolicy.of(app.internet()), Map.of(SandboxSpec.USER_LABEL, app.owner()),
                logs.of(app.id()));
    }

    private static void prepareTools(AppBuilder builder, io.slipway.logs.LogSink log) {
        try {
            builder.prepareTools(log);
        } catch (RuntimeException e) {
            LOG.warn("could not install esbuild ahead of the first Node upload ({}); the upload will try again. {}",
                    e.getMessage(), log.tail(1024));
        }
    }

    public int port() {
        return servers.getFirst().actualPort();
    }

    public TokenService tokens() {
        return tokens;
    }

    /**
     * Stops gracefully, once (later calls return at once): readiness fails from the first moment (a probe racing the close
     * hears 503), no new connection is accepted, requests in flight get up to
     * {@code proxy.drainTimeout} to finish (idle keep-alive connections close at once, HTTP/2 clients get a GOAWAY), then every app
     * is stopped and the store closed. Streams that outlast the drain (SSE, WebSockets) are closed with their apps.
     */
    @Override
    public void close() {
        readiness.stopping();
        if (!closed.compareAndSet(false, true)) return;
        LOG.info("Slipway is shutting down: no new connections; requests in flight have {} to finish", Durations.format(drain));
        long t0 = System.nanoTime();
        Future.join(servers.stream().map(s -> s.shutdown(drain.toMillis(), TimeUnit.MILLISECONDS)).toList()).await();
        LOG.info("requests drained in {} ms; stopping the apps", (System.nanoTime() - t0) / 1_000_000);
        sweeper.close();
        logWatch.close();
        // Renewals stop first: the apps stopping now release their leases, and no renewal takes one back meanwhile.
        if (replicas != null) replicas.close();
        instances.close();
        builder.stopBuilds("still building at shutdown");
        runtime.close();
        if (registryProxy != null) registryProxy.close();
        vertx.close().await();
        tools.flush();
        metrics.close();
        database.close();
    }
}
