package io.slipway.config;

import io.slipway.config.SlipwayConfig.AppDefaults;
import io.slipway.config.SlipwayConfig.AuthSettings;
import io.slipway.config.SlipwayConfig.BuildSettings;
import io.slipway.config.SlipwayConfig.InstanceSettings;
import io.slipway.config.SlipwayConfig.ProxySettings;
import io.slipway.config.SlipwayConfig.SandboxSettings;
import io.slipway.config.SlipwayConfig.UploadLimits;
import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.representer.Representer;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * Reads the configuration from, in rising precedence: built-in defaults, {@code slipway.yaml}, {@code SLIPWAY_*}
 * environment variables, command-line flags. Every key is listed in {@link #DEFAULTS}; its environment variable is
 * {@code SLIPWAY_} plus the key in upper snake case ({@link Variables}). Unknown keys in the file are an error, so a
 * typo cannot go unnoticed; the file's values are text, parsed exactly as the same text in a variable. Every error
 * names the key, its value and where the value came from.
 */
public final class ConfigLoader {
    static final Map<String, String> DEFAULTS = defaults();

    private ConfigLoader() {
    }

    private static Map<String, String> defaults() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("port", "3000");
        d.put("host", "0.0.0.0");
        d.put("publicUrl", "");
        d.put("data", "./data");
        d.put("database.url", "");
        d.put("upload.maxFileSize", "1MiB");
        d.put("upload.maxRequirements", "50");
        d.put("upload.maxEnvEntries", "64");
        d.put("upload.maxEnvSize", "32KiB");
        d.put("proxy.maxBodySize", "512MiB");
        d.put("proxy.maxHeaderSize", "16KiB");
        d.put("proxy.idleTimeout", "10m");
        d.put("proxy.eventLoops", "auto");
        d.put("proxy.drainTimeout", "10s");
        d.put("proxy.trustedProxies", "");
        d.put("proxy.transport", "auto");
        d.put("routing.appDomain", "");
        d.put("cluster.advertiseUrl", "");
        d.put("cluster.leasePeriod", "30s");
        d.put("apps.defaultSleepAfter", "10m");
        d.put("apps.maxSleepAfter", "24h");
        d.put("apps.versionsKept", "5");
        d.put("instances.startTimeout", "20s");
        d.put("instances.stopGrace", "5s");
        d.put("instances.maxWaiters", "1000");
        d.put("instances.maxWait", "30s");
        d.put("instances.maxRunning", "auto");
        d.put("instances.idleCheckInterval", "1s");
        d.put("instances.maxBackoff", "60s");
        d.put("instances.drainTimeout", "30s");
        d.put("build.timeout", "5m");
        d.put("build.esbuildVersion", "0.28.2");
        d.put("build.npmRegistry", "");
        d.put("build.pipIndexUrl", "");
        d.put("build.pipFindLinks", "");
        d.put("build.npmCache", "");
        d.put("build.network", "proxy");
        d.put("build.allowedHosts", "");
        d.put("build.memory", "1GiB");
        d.put("build.cpus", "1");
        d.put("build.pids", "256");
        d.put("build.tmpSize", "512MiB");
        d.put("build.maxConcurrent", "4");
        d.put("build.maxPerUser", "2");
        d.put("build.maxQueued", "50");
        d.put("build.keepUnusedDeps", "24h");
        d.put("build.bundle", "true");
        d.put("runtime", "process");
        d.put("logging.format", "text");
        d.put("logging.accessLog", "true");
        d.put("docker.host", "");
        d.put("docker.nodeImage", "");
        d.put("docker.pythonImage", "");
        d.put("docker.network", "slipway");
        d.put("docker.maxLayerSize", "4GiB");
        d.put("kubernetes.namespace", "");
        d.put("kubernetes.nodeImage", "");
        d.put("kubernetes.pythonImage", "");
        d.put("kubernetes.artifactUrl", "");
        d.put("kubernetes.slipwayPods", "app.kubernetes.io/name=slipway");
        d.put("kubernetes.builds", "cluster");
        d.put("sandbox.enabled", "true");
        d.put("sandbox.uidBase", "200000");
        d.put("sandbox.uidCount", "60000");
        d.put("sandbox.tmpSize", "64MiB");
        d.put("sandbox.pids", "128");
        d.put("sandbox.logSize", "10MiB");
        d.put("logs.maxFollowersPerApp", "10");
        d.put("logs.maxFollowersPerUser", "20");
        d.put("logs.keepAliveInterval", "15s");
        d.put("metering.flushInterval", "10s");
        d.put("sandbox.egress", "none");
        d.put("sandbox.egressSubnet", "100.64.0.0/16");
        d.put("sandbox.egressDns", "");
        d.put("auth.jwksUrl", "");
        d.put("auth.issuer", "");
        d.put("auth.audience", "");
        d.put("auth.jwksCacheTtl", "10m");
        d.put("auth.jwksMinRefreshInterval", "30s");
        d.put("auth.localTokens", "true");
        d.put("auth.admins", "");
        d.put("secrets.envKey", "");
        d.put("secrets.previousEnvKeys", "");
        plan(d, "free", "3", "256MiB", "0.5", "10m", "50h", "50");
        plan(d, "pro", "50", "1GiB", "2", "24h", "1000h", "500");
        d.put("plans.free.alwaysOn", "0");
        d.put("plans.free.maxRequestTimeout", "1m");
        d.put("plans.pro.alwaysOn", "3");
        d.put("plans.pro.maxRequestTimeout", "15m");
        d.put("plans.free.storage", "100MiB");
        d.put("plans.pro.storage", "2GiB");
        return Map.copyOf(d);
    }

    private static void plan(Map<String, String> d, String name, String apps, String memory, String cpus, String maxSleepAfter,
                             String activeTime, String requestsPerSecond) {
        d.put("plans." + name + ".apps", apps);
        d.put("plans." + name + ".memory", memory);
        d.put("plans." + name + ".cpus", cpus);
        d.put("plans." + name + ".maxSleepAfter", maxSleepAfter);
        d.put("plans." + name + ".activeTimePerMonth", activeTime);
        d.put("plans." + name + ".requestsPerSecond", requestsPerSecond);
        d.put("plans." + name + ".toolCallsPerMonth", "0");
    }

    static final List<String> PLAN_FIELDS = List.of("apps", "memory", "cpus", "maxSleepAfter", "activeTimePerMonth", "requestsPerSecond",
            "toolCallsPerMonth", "alwaysOn", "maxRequestTimeout", "storage");

    static final java.util.regex.Pattern PLAN_KEY = java.util.regex.Pattern.compile(
            "plans\\.([a-z0-9][a-z0-9-]{0,31})\\.(" + String.join("|", PLAN_FIELDS) + ")");

    /**
     * @param file  the YAML file to read, or null for none
     * @param env   the process environment
     * @param flags values given on the command line, by key
     * @throws IllegalArgumentException naming the key and the source when a value is invalid
     */
    public static SlipwayConfig load(Path file, Map<String, String> env, Map<String, String> flags) {
        return build(read(file, env, flags));
    }

    /**
     * Every key's text and where it came from, before any is parsed: what {@code ./slipway token} needs to say which
     * data dir it signs with, and why.
     *
     * @throws IllegalArgumentException for a file that cannot be read, or a key that does not exist
     */
    public static ConfigValues read(Path file, Map<String, String> env, Map<String, String> flags) {
        ConfigValues values = new ConfigValues(DEFAULTS);
        if (file != null) {
            readYaml(file).forEach((k, v) -> put(values, k, v, file.toString()));
        }
        // Sorted, so that what wins never depends on the environment's order.
        new java.util.TreeMap<>(env).forEach((name, value) -> Variables.keyOf(name).ifPresent(key -> put(values, key, value, name)));
        flags.forEach((k, v) -> put(values, k, v, "--" + k));
        return values;
    }

    /** @throws IllegalArgumentException naming the key, its value and its source when a value is invalid */
    public static SlipwayConfig build(ConfigValues values) {
        try {
            return buildRecords(values);
        } catch (ConfigValues.InvalidValue e) {
            throw new IllegalArgumentException("invalid configuration: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            // A record's own check, which names its keys but cannot know where their values came from.
            throw new IllegalArgumentException("invalid configuration: " + e.getMessage() + values.provenance(e.getMessage()), e);
        }
    }

    private static void put(ConfigValues values, String key, String value, String source) {
        var plan = PLAN_KEY.matcher(key);
        if (plan.matches() && !DEFAULTS.containsKey(key)) {
            // A new plan takes the free plan's values for the fields it does not set.
            for (String field : PLAN_FIELDS) {
                values.putDefault("plans." + plan.group(1) + "." + field, DEFAULTS.get("plans.free." + field));
            }
        } else if (!DEFAULTS.containsKey(key)) {
            String unknown = "invalid configuration: unknown key '" + key + "' in " + source;
            throw new IllegalArgumentException(Variables.closest(key, DEFAULTS.keySet())
                    .map(known -> unknown + " (did you mean " + known + "?)").orElse(unknown));
        }
        values.put(key, value, source);
    }

    private static Map<String, String> readYaml(Path file) {
        try (Reader reader = Files.newBufferedReader(file)) {
            Object root = textOnlyYaml().load(reader);
            Map<String, String> flat = new LinkedHashMap<>();
            if (root instanceof Map<?, ?>) {
                flatten("", root, flat, file);
            } else if (root != null) {
                throw new IllegalArgumentException("invalid configuration: " + file + " must be a mapping of keys to values");
            }
            return flat;
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (YAMLException e) {
            throw new IllegalArgumentException("invalid configuration: " + file + " is not valid YAML: " + e.getMessage(), e);
        }
    }

    /**
     * YAML that resolves no scalar but null: {@code yes}, {@code off} and {@code 010} stay the text they are, and are
     * parsed as a variable's would be, where YAML 1.1 would have made them {@code true}, {@code false} and eight.
     */
    private static Yaml textOnlyYaml() {
        LoaderOptions options = new LoaderOptions();
        Resolver nullOnly = new Resolver() {
            @Override
            protected void addImplicitResolvers() {
                addImplicitResolver(Tag.NULL, NULL, "~nN\0");
                addImplicitResolver(Tag.NULL, EMPTY, null);
                addImplicitResolver(Tag.MERGE, MERGE, "<");
            }
        };
        DumperOptions dumper = new DumperOptions();
        return new Yaml(new SafeConstructor(options), new Representer(dumper), dumper, options, nullOnly);
    }

    private static void flatten(String prefix, Object node, Map<String, String> out, Path file) {
        if (node instanceof Map<?, ?> map) {
            map.forEach((k, v) -> flatten(prefix.isEmpty() ? String.valueOf(k) : prefix + "." + k, v, out, file));
        } else if (node instanceof List<?>) {
            throw new IllegalArgumentException("invalid configuration: " + prefix + " in " + file + " must be a single value, not a list");
        } else {
            out.put(prefix, node == null ? "" : String.valueOf(node));
        }
    }

    private static Map<String, Plan> plans(ConfigValues v) {
        Map<String, Plan> plans = new java.util.TreeMap<>();
        for (String key : v.keys()) {
            var m = PLAN_KEY.matcher(key);
            if (!m.matches() || plans.containsKey(m.group(1))) continue;
            String p = "plans." + m.group(1) + ".";
            plans.put(m.group(1), new Plan(m.group(1), v.integer(p + "apps"), v.size(p + "memory"), v.decimal(p + "cpus"),
                    v.duration(p + "maxSleepAfter"), v.duration(p + "activeTimePerMonth"), v.decimal(p + "requestsPerSecond"),
                    v.integer(p + "toolCallsPerMonth"), v.integer(p + "alwaysOn"), v.duration(p + "maxRequestTimeout"), v.size(p + "storage")));
        }
        if (!plans.containsKey(Plan.DEFAULT)) throw new IllegalArgumentException("a plan named '" + Plan.DEFAULT + "' is required");
        return plans;
    }

    private static SlipwayConfig buildRecords(ConfigValues v) {
        Map<String, Plan> plans = plans(v);
        return new SlipwayConfig(
                v.integer("port"),
                v.text("host"),
                v.url("publicUrl").map(u -> URI.create(u.toString().replaceAll("/+$", ""))),
                Path.of(v.text("data")),
                new UploadLimits(v.size("upload.maxFileSize"), v.integer("upload.maxRequirements"),
                        v.integer("upload.maxEnvEntries"), v.size("upload.maxEnvSize")),
                new ProxySettings(v.size("proxy.maxBodySize"), v.size("proxy.maxHeaderSize"),
                        v.duration("proxy.idleTimeout"), v.integerOrAuto("proxy.eventLoops", ConfigLoader::eventLoops),
                        v.duration("proxy.drainTimeout"), v.addressRanges("proxy.trustedProxies"),
                        v.choice("proxy.transport", ProxySettings.Transport.class)),
                new AppDefaults(v.duration("apps.defaultSleepAfter"), v.duration("apps.maxSleepAfter"), v.integer("apps.versionsKept")),
                new InstanceSettings(v.duration("instances.startTimeout"), v.duration("instances.stopGrace"),
                        v.integer("instances.maxWaiters"), v.duration("instances.maxWait"),
                        v.integerOrAuto("instances.maxRunning", () -> maxRunning(plans.get(Plan.DEFAULT))),
                        v.duration("instances.idleCheckInterval"), v.duration("instances.maxBackoff"), v.duration("instances.drainTimeout")),
                new BuildSettings(v.duration("build.timeout"), v.text("build.esbuildVersion"), v.text("build.npmRegistry"),
                        v.text("build.pipIndexUrl"), v.text("build.pipFindLinks"), v.text("build.npmCache"),
                        v.choice("build.network", BuildSettings.BuildNetwork.class), v.text("build.allowedHosts"), buildLimits(v),
                        v.bool("build.bundle")),
                new SandboxSettings(v.bool("sandbox.enabled"), v.integer("sandbox.uidBase"),
                        v.integer("sandbox.uidCount"), v.size("sandbox.tmpSize"), v.integer("sandbox.pids"),
                        v.size("sandbox.logSize"), v.choice("sandbox.egress", SandboxSettings.Egress.class),
                        v.text("sandbox.egressSubnet"), v.text("sandbox.egressDns")),
                plans,
                v.duration("metering.flushInterval"),
                v.text("database.url").trim(),
                auth(v),
                new LogSettings(v.integer("logs.maxFollowersPerApp"), v.integer("logs.maxFollowersPerUser"),
                        v.duration("logs.keepAliveInterval")),
                runtime(v),
                new SlipwayConfig.RoutingSettings(v.appDomain("routing.appDomain")),
                new SlipwayConfig.ClusterSettings(v.url("cluster.advertiseUrl").map(u -> URI.create(u.toString().replaceAll("/+$", ""))),
                        v.duration("cluster.leasePeriod")),
                SecretSettings.parse(v.text("secrets.envKey"), v.text("secrets.previousEnvKeys")),
                new SlipwayConfig.LoggingSettings(v.choice("logging.format", SlipwayConfig.LoggingSettings.Format.class), v.bool("logging.accessLog")));
    }

    private static RuntimeSettings runtime(ConfigValues v) {
        var docker = new RuntimeSettings.Docker(optional(v.text("docker.host")).map(URI::create), optional(v.text("docker.nodeImage")),
                optional(v.text("docker.pythonImage")), v.choice("docker.network", RuntimeSettings.Docker.Network.class),
                v.size("docker.maxLayerSize"));
        var kubernetes = new RuntimeSettings.Kubernetes(optional(v.text("kubernetes.namespace")), optional(v.text("kubernetes.nodeImage")),
                optional(v.text("kubernetes.pythonImage")), v.url("kubernetes.artifactUrl").map(u -> URI.create(u.toString().replaceAll("/+$", ""))),
                RuntimeSettings.Kubernetes.labels(v.text("kubernetes.slipwayPods")), v.choice("kubernetes.builds", RuntimeSettings.Kubernetes.Builds.class));
        return new RuntimeSettings(v.choice("runtime", RuntimeSettings.Kind.class), docker, kubernetes);
    }

    private static java.util.Optional<String> optional(String text) {
        return text.isBlank() ? java.util.Optional.empty() : java.util.Optional.of(text.trim());
    }

    private static BuildLimits buildLimits(ConfigValues v) {
        return new BuildLimits(v.size("build.memory"), v.decimal("build.cpus"), v.integer("build.pids"), v.size("build.tmpSize"),
                v.integer("build.maxConcurrent"), v.integer("build.maxPerUser"), v.integer("build.maxQueued"),
                v.duration("build.keepUnusedDeps"));
    }

    /**
     * For {@code instances.maxRunning: auto}: as many default-plan apps as fit in the machine's memory after 512 MiB
     * for Slipway and the system, at least 4 and at most 1,000.
     */
    static int maxRunning(Plan defaultPlan) {
        long total = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize();
        long fit = (total - (512L << 20)) / defaultPlan.memory().bytes();
        return (int) Math.clamp(fit, 4, 1000);
    }

    /**
     * For {@code proxy.eventLoops: auto}: half the cores, at least one. The proxy shares the machine with the apps it
     * serves: on two cores, a second event loop made it slower, not faster (BENCHMARKS.md).
     */
    static int eventLoops() {
        return Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    }

    private static AuthSettings auth(ConfigValues v) {
        Set<String> admins = new LinkedHashSet<>();
        for (String admin : v.text("auth.admins").split(",")) {
            if (!admin.isBlank()) admins.add(admin.trim());
        }
        return new AuthSettings(v.url("auth.jwksUrl"), v.text("auth.issuer").trim(), v.text("auth.audience").trim(),
                v.duration("auth.jwksCacheTtl"), v.duration("auth.jwksMinRefreshInterval"), v.bool("auth.localTokens"), admins);
    }

    /** One line per setting, for the start-up log; credentials inside URLs are redacted. */
    public static List<String> describe(SlipwayConfig c) {
        List<String> lines = new ArrayList<>();
        lines.add("port=" + c.port() + " host=" + c.host() + " publicUrl=" + c.publicUrl().map(URI::toString).orElse("http://localhost:<port>") + " data=" + c.dataDir());
        lines.add("database: " + (c.databaseUrl().isEmpty() ? "sqlite " + c.dataDir().resolve("db/slipway.db")
                : "postgresql " + redact(c.databaseUrl())));
        lines.add("upload: " + c.upload());
        lines.add("proxy: maxBodySize=" + c.proxy().maxBodySize() + " maxHeaderSize=" + c.proxy().maxHeaderSize()
                + " idleTimeout=" + Durations.format(c.proxy().idleTimeout()) + " eventLoops=" + c.proxy().eventLoops() + " drainTimeout=" + Durations.format(c.proxy().drainTimeout())
                + " trustedProxies=" + c.proxy().trustedProxies() + " transport=" + c.proxy().transport().name().toLowerCase(java.util.Locale.ROOT));
        if (c.databaseUrl() != null && !c.databaseUrl().isBlank()) {
            lines.add("cluster: advertiseUrl=" + c.cluster().advertiseUrl().map(URI::toString).orElse("http://127.0.0.1:<port>")
                    + " leasePeriod=" + Durations.format(c.cluster().leasePeriod()));
        }
        lines.add("routing: appDomain=" + c.routing().appDomain().map(AppDomain::name).orElse("<none: apps only under /containers/>"));
        lines.add("apps: defaultSleepAfter=" + Durations.format(c.apps().defaultSleepAfter()) + " maxSleepAfter="
                + Durations.format(c.apps().maxSleepAfter()) + " versionsKept=" + c.apps().versionsKept());
        var i = c.instances();
        lines.add("instances: startTimeout=" + Durations.format(i.startTimeout()) + " stopGrace=" + Durations.format(i.stopGrace())
                + " maxWaiters=" + i.maxWaiters() + " maxWait=" + Durations.format(i.maxWait()) + " maxRunning=" + i.maxRunning()
                + " idleCheckInterval=" + Durations.format(i.idleCheckInterval()) + " maxBackoff=" + Durations.format(i.maxBackoff())
                + " drainTimeout=" + Durations.format(i.drainTimeout()));
        BuildSettings b = c.build();
        lines.add("build: timeout=" + Durations.format(b.timeout()) + " esbuild=" + b.esbuildVersion() + " npmRegistry=" + redact(b.npmRegistry())
                + " pipIndexUrl=" + redact(b.pipIndexUrl()) + " pipFindLinks=" + redact(b.pipFindLinks())
                + " npmCache=" + (b.npmCache().isBlank() ? "<data>/cache/npm" : b.npmCache()) + " network=" + b.network()
                + " allowedHosts=" + b.allowedHosts() + " bundle=" + b.bundle());
        BuildLimits l = b.limits();
        lines.add("build limits: memory=" + l.memory() + " cpus=" + l.cpus() + " pids=" + l.pids() + " tmpSize=" + l.tmpSize()
                + " maxConcurrent=" + l.maxConcurrent() + " maxPerUser=" + l.maxPerUser() + " maxQueued=" + l.maxQueued()
                + " keepUnusedDeps=" + Durations.format(l.keepUnusedDeps()));
        lines.add("runtime: " + c.runtime().kind().name().toLowerCase(java.util.Locale.ROOT)
                + (c.runtime().kind() == RuntimeSettings.Kind.DOCKER ? " " + c.runtime().docker() : "")
                + (c.runtime().kind() == RuntimeSettings.Kind.KUBERNETES ? " " + c.runtime().kubernetes() : ""));
        lines.add("sandbox: " + c.sandbox());
        lines.add("logs: maxFollowersPerApp=" + c.logs().maxFollowersPerApp() + " maxFollowersPerUser=" + c.logs().maxFollowersPerUser()
                + " keepAliveInterval=" + Durations.format(c.logs().keepAliveInterval()));
        AuthSettings a = c.auth();
        lines.add("auth: localTokens=" + a.localTokens() + " jwksUrl=" + a.jwksUrl().map(u -> redact(u.toString())).orElse("<none>")
                + " issuer=" + a.issuer() + " audience=" + a.audience() + " jwksCacheTtl=" + Durations.format(a.jwksCacheTtl())
                + " jwksMinRefreshInterval=" + Durations.format(a.jwksMinRefreshInterval()) + " admins=" + a.admins());
        lines.add("secrets: " + c.secrets());
        c.plans().values().forEach(p -> lines.add("plan " + p.name() + ": apps=" + p.apps() + " memory=" + p.memory() + " cpus="
                + p.cpus() + " maxSleepAfter=" + Durations.format(p.maxSleepAfter()) + " activeTimePerMonth="
                + Durations.format(p.activeTimePerMonth()) + " requestsPerSecond=" + p.requestsPerSecond()
                + " toolCallsPerMonth=" + (p.toolCallsPerMonth() == 0 ? "unlimited" : p.toolCallsPerMonth())
                + " alwaysOn=" + p.alwaysOn() + " maxRequestTimeout=" + Durations.format(p.maxRequestTimeout()) + " storage=" + p.storage()));
        return lines;
    }

    /** The URL with its credentials hidden ({@code user:password@} and any {@code password=} parameter), for logs and errors. */
    public static String redact(String url) {
        return url.replaceAll("(?<=://)[^/@\\s]+@", "***@").replaceAll("(?i)(password=)[^&]*", "$1***");
    }
}
