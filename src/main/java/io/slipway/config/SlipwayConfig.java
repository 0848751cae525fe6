package io.slipway.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything Slipway reads at start, already parsed and validated. Built by {@link ConfigLoader}; tests build it
 * with {@link #defaults(Path)} and the {@code with…} methods.
 */
/**
 * @param publicUrl   the base URL endpoints are reported under; empty: {@code http://localhost:<bound port>}
 * @param databaseUrl PostgreSQL ({@code database.url}, env {@code SLIPWAY_DATABASE_URL}); empty: SQLite in the data dir
 * @param logs        how apps' logs may be followed ({@code logs.*})
 * @param runtime     which sandbox runtime runs the apps ({@code runtime}), and its engine's settings ({@code docker.*})
 * @param routing     where apps are reached besides {@code /containers/{id}} ({@code routing.*})
 * @param cluster     how replicas sharing a PostgreSQL database work together ({@code cluster.*})
 * @param secrets     the keys apps' env values are encrypted with ({@code secrets.*})
 * @param logging     how Slipway's own log is written ({@code logging.*})
 */
public record SlipwayConfig(
        int port,
        String host,
        Optional<URI> publicUrl,
        Path dataDir,
        UploadLimits upload,
        ProxySettings proxy,
        AppDefaults apps,
        InstanceSettings instances,
        BuildSettings build,
        SandboxSettings sandbox,
        java.util.Map<String, Plan> plans,
        Duration meteringInterval,
        String databaseUrl,
        AuthSettings auth,
        LogSettings logs,
        RuntimeSettings runtime,
        RoutingSettings routing,
        ClusterSettings cluster,
        SecretSettings secrets,
        LoggingSettings logging) {

    public SlipwayConfig {
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be 0..65535, not " + port);
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(publicUrl, "publicUrl");
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(upload, "upload");
        Objects.requireNonNull(proxy, "proxy");
        Objects.requireNonNull(apps, "apps");
        Objects.requireNonNull(instances, "instances");
        Objects.requireNonNull(build, "build");
        Objects.requireNonNull(sandbox, "sandbox");
        plans = java.util.Map.copyOf(plans);
        if (meteringInterval.toMillis() < 100) throw new IllegalArgumentException("metering.flushInterval must be at least 100ms");
        Objects.requireNonNull(auth, "auth");
        dataDir = dataDir.toAbsolutePath().normalize();
        Objects.requireNonNull(databaseUrl, "databaseUrl");
        Objects.requireNonNull(logs, "logs");
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(logging, "logging");
        Objects.requireNonNull(routing, "routing");
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(secrets, "secrets");
        String publicHost = publicUrl.map(URI::getHost).orElse(null);
        if (publicHost != null && routing.appDomain().map(domain -> domain.labelOf(publicHost) != null).orElse(false)) {
            // Every host below the domain is an app's (or no one's): Slipway's own would never reach its API.
            throw new IllegalArgumentException("publicUrl must not be below routing.appDomain, where every name is an app's: "
                    + "use the domain itself or a name outside it");
        }
    }

    /**
     * Where apps are reached besides {@code /containers/{id}}: with {@code appDomain}, each app also at {@code /} of its
     * own host, {@code {id}.{appDomain}}, which is then its endpoint.
     */
    /**
     * Replicas sharing a PostgreSQL database (DESIGN §5, "Several replicas").
     *
     * @param advertiseUrl where the other replicas reach this one ({@code cluster.advertiseUrl}); empty: its own port on
     *                     127.0.0.1, right only for replicas on one machine
     * @param leasePeriod  how long a replica's lease on an app's instance lasts unrenewed ({@code cluster.leasePeriod}):
     *                     how soon another replica takes over the apps of one that died
     */
    public record ClusterSettings(Optional<URI> advertiseUrl, Duration leasePeriod) {
        public static final ClusterSettings DEFAULTS = new ClusterSettings(Optional.empty(), Duration.ofSeconds(30));

        public ClusterSettings {
            Objects.requireNonNull(advertiseUrl, "advertiseUrl");
            if (leasePeriod.compareTo(Duration.ofSeconds(1)) < 0) throw new IllegalArgumentException("cluster.leasePeriod must be at least 1s");
        }
    }

    public record RoutingSettings(Optional<AppDomain> appDomain) {
        public static final RoutingSettings PATHS_ONLY = new RoutingSettings(Optional.empty());

        public RoutingSettings {
            Objects.requireNonNull(appDomain, "appDomain");
        }
    }

    /** Limits on what an upload may carry. */
    public record UploadLimits(DataSize maxFileSize, int maxRequirements, int maxEnvEntries, DataSize maxEnvSize) {
        public UploadLimits {
            if (maxFileSize.bytes() < 1) throw new IllegalArgumentException("upload.maxFileSize must be positive");
            if (maxRequirements < 0) throw new IllegalArgumentException("upload.maxRequirements cannot be negative");
            if (maxEnvEntries < 0) throw new IllegalArgumentException("upload.maxEnvEntries cannot be negative");
        }
    }

    /**
     * The data plane's limits: the largest request body an app may receive, the largest request head, and how long a
     * client connection may stay silent (both ways) before Slipway closes it; how many event loops serve it; and, when
     * Slipway is told to stop, how long requests in flight may take to finish before their connections are closed; and
     * the peers (proxies in front of Slipway) whose forwarding headers are believed and extended rather than replaced;
     * and the kernel interface its sockets use ({@link Transport}).
     */
    public record ProxySettings(DataSize maxBodySize, DataSize maxHeaderSize, Duration idleTimeout, int eventLoops,
                                Duration drainTimeout, AddressRanges trustedProxies, Transport transport) {
        /**
         * How Slipway's sockets talk to the kernel ({@code proxy.transport}): {@code auto} takes io_uring where the kernel
         * allows it (15 % more requests a second through the proxy than epoll, BENCHMARKS.md), else epoll, else Java's
         * NIO; the others insist on one, and Slipway does not start where it is unavailable.
         */
        public enum Transport { AUTO, IO_URING, EPOLL, NIO }

        public ProxySettings {
            Objects.requireNonNull(transport, "transport");
            if (drainTimeout.isNegative()) throw new IllegalArgumentException("proxy.drainTimeout may not be negative");
            if (eventLoops < 1) throw new IllegalArgumentException("proxy.eventLoops must be at least 1");
            if (maxHeaderSize.bytes() < 1024) throw new IllegalArgumentException("proxy.maxHeaderSize must be at least 1KiB");
            if (idleTimeout.toMillis() < 100) throw new IllegalArgumentException("proxy.idleTimeout must be at least 100ms");
            Objects.requireNonNull(trustedProxies, "trustedProxies");
        }

        /** Settings that trust no proxy in front. */
        public ProxySettings(DataSize maxBodySize, DataSize maxHeaderSize, Duration idleTimeout, int eventLoops, Duration drainTimeout) {
            this(maxBodySize, maxHeaderSize, idleTimeout, eventLoops, drainTimeout, AddressRanges.NONE, Transport.AUTO);
        }
    }

    /** Per-app defaults and bounds. */
    public record AppDefaults(Duration defaultSleepAfter, Duration maxSleepAfter, int versionsKept) {
        public AppDefaults {
            if (defaultSleepAfter.compareTo(Duration.ofSeconds(1)) < 0) throw new IllegalArgumentException("apps.defaultSleepAfter must be at least 1s");
            if (maxSleepAfter.compareTo(defaultSleepAfter) < 0) throw new IllegalArgumentException("apps.maxSleepAfter must be at least apps.defaultSleepAfter");
            if (versionsKept < 1) throw new IllegalArgumentException("apps.versionsKept must be at least 1 (the version serving)");
        }
    }

    /**
     * How instances start and stop: the readiness budget, the grace period between SIGTERM and SIGKILL, how many
     * requests may wait for one start and for how long, the cap on running instances, and the crash back-off.
     */
    public record InstanceSettings(Duration startTimeout, Duration stopGrace, int maxWaiters, Duration maxWait,
                                   int maxRunning, Duration idleCheckInterval, Duration maxBackoff, Duration drainTimeout) {
        public InstanceSettings {
            if (drainTimeout.isNegative()) throw new IllegalArgumentException("instances.drainTimeout must not be negative");
            if (startTimeout.isNegative() || startTimeout.isZero()) throw new IllegalArgumentException("instances.startTimeout must be positive");
            if (maxWaiters < 1) throw new IllegalArgumentException("instances.maxWaiters must be at least 1");
            if (maxRunning < 1) throw new IllegalArgumentException("instances.maxRunning must be at least 1");
            if (idleCheckInterval.toMillis() < 10) throw new IllegalArgumentException("instances.idleCheckInterval must be at least 10ms");
        }
    }

    /**
     * Builds: their time bound, the pinned esbuild, where npm and pip fetch packages from, npm's cache (empty:
     * {@code <data>/cache/npm}), how builds reach the network ({@code allowedHosts}: more hosts for the proxy), what
     * they may take of the machine, and whether a Node app is bundled with its packages where that is safe ({@code
     * bundle}: faster wakes).
     */
    public record BuildSettings(Duration timeout, String esbuildVersion, String npmRegistry, String pipIndexUrl,
                                String pipFindLinks, String npmCache, BuildNetwork network, String allowedHosts, BuildLimits limits,
                                boolean bundle) {
        /**
         * How sandboxed builds reach registries: through Slipway's proxy, which lets them reach nothing else (needs
         * https registries), or over the host's network (for plain-http mirrors; install scripts can then reach the host).
         */
        public enum BuildNetwork { PROXY, HOST }

        public BuildSettings {
            if (!esbuildVersion.matches("\\d+\\.\\d+\\.\\d+")) throw new IllegalArgumentException("build.esbuildVersion must be an exact version like 0.28.2");
        }

        public BuildSettings withNpmCache(String cache) {
            return new BuildSettings(timeout, esbuildVersion, npmRegistry, pipIndexUrl, pipFindLinks, cache, network, allowedHosts, limits, bundle);
        }

        public BuildSettings withPipFindLinks(String findLinks) {
            return new BuildSettings(timeout, esbuildVersion, npmRegistry, pipIndexUrl, findLinks, npmCache, network, allowedHosts, limits, bundle);
        }

        public BuildSettings withLimits(BuildLimits newLimits) {
            return new BuildSettings(timeout, esbuildVersion, npmRegistry, pipIndexUrl, pipFindLinks, npmCache, network, allowedHosts, newLimits, bundle);
        }

        /** True when pip must not contact any index: only {@link #pipFindLinks()} is searched. */
        public boolean pipOffline() {
            return pipIndexUrl.isBlank() && !pipFindLinks.isBlank();
        }
    }

    /**
     * The sandbox: {@code enabled=false} only with the explicit {@code --unsafe-no-sandbox} flag. Each app runs as
     * its own host uid from {@code [uidBase, uidBase + uidCount)}, builds as {@code uidBase - 1}. Each app gets at most
     * {@code pids} processes and threads; its memory and CPU come from its owner's {@link Plan}. With
     * {@code egress = nat}, apps deployed with {@code internet=true} reach the internet through a veth pair and NAT
     * from {@code egressSubnet}, using {@code egressDns} as their resolver when set.
     */
    public record SandboxSettings(boolean enabled, int uidBase, int uidCount, DataSize tmpSize, int pids, DataSize logSize,
                                  Egress egress, String egressSubnet, String egressDns) {
        /** How apps that ask for the internet get it: not at all, or through NAT set up by Slipway (needs root). */
        public enum Egress { NONE, NAT }

        public SandboxSettings {
            if (uidBase < 1001 || uidCount < 1) throw new IllegalArgumentException("sandbox.uidBase must be > 1000 and sandbox.uidCount >= 1");
            if (pids < 8) throw new IllegalArgumentException("sandbox.pids must be at least 8");
            if (logSize.bytes() < 64 * 1024) throw new IllegalArgumentException("sandbox.logSize must be at least 64KiB");
            if (!egressSubnet.matches("100\\.(6[4-9]|[7-9]\\d|1[01]\\d|12[0-7])\\.0\\.0/16")) {
                throw new IllegalArgumentException("sandbox.egressSubnet must be a /16 of 100.64.0.0/10, such as 100.64.0.0/16");
            }
            if (!egressDns.isEmpty() && !egressDns.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
                throw new IllegalArgumentException("sandbox.egressDns must be an IPv4 address, or empty");
            }
        }

        /** The host uid installs run as: just below the apps' range, so it owns no app's files. */
        public int buildUid() {
            return uidBase - 1;
        }

        public SandboxSettings withEnabled(boolean on) {
            return new SandboxSettings(on, uidBase, uidCount, tmpSize, pids, logSize, egress, egressSubnet, egressDns);
        }

        public SandboxSettings withEgress(Egress newEgress, String newDns) {
            return new SandboxSettings(enabled, uidBase, uidCount, tmpSize, pids, logSize, newEgress, egressSubnet, newDns);
        }
    }

    /**
     * Who may call the API: local HS256 tokens signed with the data dir's secret ({@code localTokens}), and tokens of
     * an identity provider whose keys are published at {@code jwksUrl}, accepted only when issued by {@code issuer}
     * for {@code audience}. Its keys are fetched again every {@code jwksCacheTtl}, and when a token names a key not
     * held, at most once per {@code jwksMinRefreshInterval}. The users named in {@code admins} are admins whatever
     * their tokens say.
     */
    public record AuthSettings(Optional<URI> jwksUrl, String issuer, String audience, Duration jwksCacheTtl,
                               Duration jwksMinRefreshInterval, boolean localTokens, java.util.Set<String> admins) {
        public AuthSettings {
            Objects.requireNonNull(issuer, "issuer");
            Objects.requireNonNull(audience, "audience");
            admins = java.util.Set.copyOf(admins);
            if (jwksUrl.isPresent()) {
                String scheme = jwksUrl.get().getScheme();
                if (!("https".equals(scheme) || "http".equals(scheme)) || jwksUrl.get().getHost() == null) {
                    throw new IllegalArgumentException("auth.jwksUrl must be an http(s) URL, not '" + jwksUrl.get() + "'");
                }
                if (issuer.isBlank() || audience.isBlank()) {
                    throw new IllegalArgumentException("auth.issuer and auth.audience are required when auth.jwksUrl is set, "
                            + "so that tokens the identity provider issued to other services are refused");
                }
            } else if (!localTokens) {
                throw new IllegalArgumentException("auth.localTokens=false needs auth.jwksUrl: without either, no token would be accepted");
            }
            if (jwksCacheTtl.toMillis() < 100 || jwksMinRefreshInterval.toMillis() < 100) {
                throw new IllegalArgumentException("auth.jwksCacheTtl and auth.jwksMinRefreshInterval must be at least 100ms");
            }
        }
    }

    public static SlipwayConfig defaults(Path dataDir) {
        return ConfigLoader.load(null, java.util.Map.of(), java.util.Map.of("data", dataDir.toString()));
    }

    /** The named plan, or the default plan when the name is unknown or null. */
    public Plan plan(String name) {
        Plan plan = name == null ? null : plans.get(name);
        return plan != null ? plan : plans.get(Plan.DEFAULT);
    }

    public SlipwayConfig withCluster(ClusterSettings newCluster) {
        return new SlipwayConfig(port, host, publicUrl, dataDir, upload, proxy, apps, instances, build, sandbox, plans, meteringInterval, databaseUrl, auth, logs, runtime, routing, newCluster, secrets, logging);
    }

    public SlipwayConfig withPort(int newPort) {
        return new SlipwayConfig(newPort, host, publicUrl, dataDir, upload, proxy, apps, instances, build, sandbox, plans, meteringInterval, databaseUrl, auth, logs, runtime, routing, cluster, secrets, logging);
    }

    public SlipwayConfig withMeteringInterval(Duration interval) {
        return new SlipwayConfig(port, host, publicUrl, dataDir, upload, proxy, apps, instances, build, sandbox, plans, interval, databaseUrl, auth, logs, runtime, routing, cluster, secrets, logging);
    }

    /** Empty: the SQLite file in the data dir. */
    public SlipwayConfig withDatabaseUrl(String url) {
        return new SlipwayConfig(port, host, publicUrl, dataDir, upload, proxy, apps, instances, build, sandbox, plans, meteringInterval, url, auth, logs, runtime, routing, cluster, secrets, logging);
    }

    public SlipwayConfig withProxy(ProxySettings newProxy) {
        return new SlipwayConfig(port, host, publicUrl, dataDir, upload, newProxy, apps, instances, build, sandbox, plans, meteringInterval, databaseUrl, auth, logs, runtime, routing, cluster, secrets, logging);
    }

    public SlipwayConfig withInstances(InstanceSettings newInstances) {
        return new SlipwayConfig(port, host, publicUrl, dataDir, upload, proxy, apps, newInstances, build, sandbox, plans, meteringInterval, databaseUrl, auth, logs, runtime, routing, cluster, secrets, logging);
    }

    public SlipwayConfig withBuild(BuildSettings newBuild) {
        return new SlipwayConfig(port, host, publicUrl, dataDir, upload, proxy, apps, instances, newBuild, sandbox, plans, meteringInterval, databaseUrl, auth, logs, runtime, routing, cluster, secrets, logging);
    }

    public SlipwayConfig withLogs(LogSettings newLogs) {
        return new SlipwayConfig(port, host, publicUrl, dataDir, upload, proxy, apps, instances, build, sandbox, plans, meteringInterval, databaseUrl, auth, newLogs, runtime, routing, cluster, secrets, logging);
    }

    public SlipwayConfig withRuntime(RuntimeSettings newRuntime) {
        return new SlipwayConfig(port, host, publicUrl, dataDir, upload, proxy, apps, instances, build, sandbox, plans, meteringInterval, databaseUrl, auth, logs, newRuntime, routing, cluster, secrets, logging);
    }

    public SlipwayConfig withLogging(LoggingSettings newLogging) {
        return new SlipwayConfig(port, host, publicUrl, dataDir, upload, proxy, apps, instances, build, sandbox, plans, meteringInterval, databaseUrl, auth, logs, runtime, routing, cluster, secrets, newLogging);
    }

    /**
     * Slipway's own log ({@code logging.*}): lines of text with an ISO-8601 UTC time, or one JSON object per line for log
     * shippers ({@code logging.format}); and whether the data plane's access log is written ({@code logging.accessLog}).
     */
    public record LoggingSettings(Format format, boolean accessLog) {
        public enum Format { TEXT, JSON }

        public static final LoggingSettings DEFAULTS = new LoggingSettings(Format.TEXT, true);

        public LoggingSettings {
            Objects.requireNonNull(format, "format");
        }
    }

    public SlipwayConfig withRouting(RoutingSettings newRouting) {
        return new SlipwayConfig(port, host, publicUrl, dataDir, upload, proxy, apps, instances, build, sandbox, plans, meteringInterval, databaseUrl, auth, logs, runtime, newRouting, cluster, secrets, logging);
    }

    public SlipwayConfig withSandbox(SandboxSettings newSandbox) {
        return new SlipwayConfig(port, host, publicUrl, dataDir, upload, proxy, apps, instances, build, newSandbox, plans, meteringInterval, databaseUrl, auth, logs, runtime, routing, cluster, secrets, logging);
    }

    public SlipwayConfig withSecrets(SecretSettings newSecrets) {
        return new SlipwayConfig(port, host, publicUrl, dataDir, upload, proxy, apps, instances, build, sandbox, plans, meteringInterval, databaseUrl, auth, logs, runtime, routing, cluster, newSecrets, logging);
    }
}
