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
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Reads the configuration from, in rising precedence: built-in defaults, {@code slipway.yaml}, {@code SLIPWAY_*}
 * environment variables, command-line flags. Every key is listed in {@link #DEFAULTS}; its environment variable is
 * {@code SLIPWAY_} plus the key in upper snake case ({@code instances.startTimeout} →
 * {@code SLIPWAY_INSTANCES_START_TIMEOUT}). Unknown keys in the file are an error, so a typo cannot go unnoticed.
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
        d.put("apps.defaultSleepAfter", "10m");
        d.put("apps.maxSleepAfter", "24h");
        d.put("instances.startTimeout", "20s");
        d.put("instances.stopGrace", "5s");
        d.put("instances.maxWaiters", "1000");
        d.put("instances.maxWait", "30s");
        d.put("instances.maxRunning", "auto");
        d.put("instances.idleCheckInterval", "1s");
        d.put("instances.maxBackoff", "60s");
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
        d.put("sandbox.enabled", "true");
        d.put("sandbox.uidBase", "200000");
        d.put("sandbox.uidCount", "60000");
        d.put("sandbox.tmpSize", "64MiB");
        d.put("sandbox.pids", "128");
        d.put("sandbox.logSize", "10MiB");
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
        plan(d, "free", "3", "256MiB", "0.5", "10m", "50h", "50");
        plan(d, "pro", "50", "1GiB", "2", "24h", "1000h", "500");
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
    }

    private static final java.util.regex.Pattern PLAN_KEY = java.util.regex.Pattern.compile(
            "plans\\.([a-z0-9][a-z0-9-]{0,31})\\.(apps|memory|cpus|maxSleepAfter|activeTimePerMonth|requestsPerSecond)");

    /**
     * @param file  the YAML file to read, or null for none
     * @param env   the process environment
     * @param flags values given on the command line, by key
     * @throws IllegalArgumentException naming the key and the source when a value is invalid
     */
    public static SlipwayConfig load(Path file, Map<String, String> env, Map<String, String> flags) {
        Map<String, String> values = new LinkedHashMap<>(DEFAULTS);
        if (file != null) {
            readYaml(file).forEach((k, v) -> put(values, k, v, file.toString()));
        }
        for (String key : DEFAULTS.keySet()) {
            String value = env.get(envName(key));
            if (value != null) put(values, key, value, envName(key));
        }
        flags.forEach((k, v) -> put(values, k, v, "--" + k));
        try {
            return build(values);
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new IllegalArgumentException("invalid configuration: " + e.getMessage(), e);
        }
    }

    public static String envName(String key) {
        return "SLIPWAY_" + key.replace('.', '_').replaceAll("([a-z])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT);
    }

    private static void put(Map<String, String> values, String key, String value, String source) {
        var plan = PLAN_KEY.matcher(key);
        if (plan.matches() && !DEFAULTS.containsKey(key)) {
            // A new plan takes the free plan's values for the fields it does not set.
            String name = plan.group(1);
            for (String field : List.of("apps", "memory", "cpus", "maxSleepAfter", "activeTimePerMonth", "requestsPerSecond")) {
                values.putIfAbsent("plans." + name + "." + field, DEFAULTS.get("plans.free." + field));
            }
            values.put(key, value);
            return;
        }
        if (!DEFAULTS.containsKey(key)) {
            throw new IllegalArgumentException("unknown configuration key '" + key + "' in " + source + "; known keys: " + DEFAULTS.keySet());
        }
        values.put(key, value);
    }

    private static Map<String, String> readYaml(Path file) {
        try (Reader reader = Files.newBufferedReader(file)) {
            Object root = new Yaml(new SafeConstructor(new LoaderOptions())).load(reader);
            Map<String, String> flat = new LinkedHashMap<>();
            if (root != null) flatten("", root, flat, file);
            return flat;
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static void flatten(String prefix, Object node, Map<String, String> out, Path file) {
        if (node instanceof Map<?, ?> map) {
            map.forEach((k, v) -> flatten(prefix.isEmpty() ? String.valueOf(k) : prefix + "." + k, v, out, file));
        } else if (node instanceof List<?>) {
            throw new IllegalArgumentException(file + ": '" + prefix + "' must be a single value, not a list");
        } else {
            out.put(prefix, node == null ? "" : String.valueOf(node));
        }
    }

    private static Map<String, Plan> plans(Map<String, String> v) {
        Map<String, Plan> plans = new java.util.TreeMap<>();
        for (String key : v.keySet()) {
            var m = PLAN_KEY.matcher(key);
            if (!m.matches() || plans.containsKey(m.group(1))) continue;
            String p = "plans." + m.group(1) + ".";
            plans.put(m.group(1), new Plan(m.group(1), Integer.parseInt(v.get(p + "apps")), DataSize.parse(v.get(p + "memory")),
                    Double.parseDouble(v.get(p + "cpus")), Durations.parse(v.get(p + "maxSleepAfter")),
                    Durations.parse(v.get(p + "activeTimePerMonth")), Double.parseDouble(v.get(p + "requestsPerSecond"))));
        }
        if (!plans.containsKey(Plan.DEFAULT)) throw new IllegalArgumentException("a plan named '" + Plan.DEFAULT + "' is required");
        return plans;
    }

    private static SlipwayConfig build(Map<String, String> v) {
        int port = Integer.parseInt(v.get("port"));
        Optional<URI> publicUrl = v.get("publicUrl").isBlank() ? Optional.empty()
                : Optional.of(URI.create(v.get("publicUrl").replaceAll("/+$", "")));
        return new SlipwayConfig(
                port,
                v.get("host"),
                publicUrl,
                Path.of(v.get("data")),
                new UploadLimits(DataSize.parse(v.get("upload.maxFileSize")), Integer.parseInt(v.get("upload.maxRequirements")),
                        Integer.parseInt(v.get("upload.maxEnvEntries")), DataSize.parse(v.get("upload.maxEnvSize"))),
                new ProxySettings(DataSize.parse(v.get("proxy.maxBodySize")), DataSize.parse(v.get("proxy.maxHeaderSize")),
                        Durations.parse(v.get("proxy.idleTimeout")), eventLoops(v.get("proxy.eventLoops")),
                        Durations.parse(v.get("proxy.drainTimeout"))),
                new AppDefaults(Durations.parse(v.get("apps.defaultSleepAfter")), Durations.parse(v.get("apps.maxSleepAfter"))),
                new InstanceSettings(Durations.parse(v.get("instances.startTimeout")), Durations.parse(v.get("instances.stopGrace")),
                        Integer.parseInt(v.get("instances.maxWaiters")), Durations.parse(v.get("instances.maxWait")),
                        maxRunning(v.get("instances.maxRunning"), plans(v).get(Plan.DEFAULT)), Durations.parse(v.get("instances.idleCheckInterval")),
                        Durations.parse(v.get("instances.maxBackoff"))),
                new BuildSettings(Durations.parse(v.get("build.timeout")), v.get("build.esbuildVersion"), v.get("build.npmRegistry"),
                        v.get("build.pipIndexUrl"), v.get("build.pipFindLinks"), v.get("build.npmCache"),
                        buildNetwork(v.get("build.network")), v.get("build.allowedHosts"), buildLimits(v)),
                new SandboxSettings(Boolean.parseBoolean(v.get("sandbox.enabled")), Integer.parseInt(v.get("sandbox.uidBase")),
                        Integer.parseInt(v.get("sandbox.uidCount")), DataSize.parse(v.get("sandbox.tmpSize")),
                        Integer.parseInt(v.get("sandbox.pids")), DataSize.parse(v.get("sandbox.logSize")), egress(v.get("sandbox.egress")), v.get("sandbox.egressSubnet"),
                        v.get("sandbox.egressDns")),
                plans(v),
                Durations.parse(v.get("metering.flushInterval")),
                v.get("database.url").trim(),
                auth(v));
    }

    private static BuildLimits buildLimits(Map<String, String> v) {
        return new BuildLimits(DataSize.parse(v.get("build.memory")), Double.parseDouble(v.get("build.cpus")),
                Integer.parseInt(v.get("build.pids")), DataSize.parse(v.get("build.tmpSize")), Integer.parseInt(v.get("build.maxConcurrent")),
                Integer.parseInt(v.get("build.maxPerUser")), Integer.parseInt(v.get("build.maxQueued")),
                Durations.parse(v.get("build.keepUnusedDeps")));
    }

    /**
     * {@code auto}: as many default-plan apps as fit in the machine's memory after 512 MiB for Slipway and the system,
     * at least 4 and at most 1,000; or a number.
     */
    static int maxRunning(String value, Plan defaultPlan) {
        if (!value.trim().equalsIgnoreCase("auto")) return Integer.parseInt(value.trim());
        long total = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize();
        long fit = (total - (512L << 20)) / defaultPlan.memory().bytes();
        return (int) Math.clamp(fit, 4, 1000);
    }

    /**
     * {@code auto}: half the cores, at least one; or a number. The proxy shares the machine with the apps it serves:
     * on two cores, a second event loop made it slower, not faster (BENCHMARKS.md).
     */
    static int eventLoops(String value) {
        if (!value.trim().equalsIgnoreCase("auto")) return Integer.parseInt(value.trim());
        return Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    }

    private static AuthSettings auth(Map<String, String> v) {
        Optional<URI> jwksUrl = v.get("auth.jwksUrl").isBlank() ? Optional.empty() : Optional.of(URI.create(v.get("auth.jwksUrl").trim()));
        Set<String> admins = new LinkedHashSet<>();
        for (String admin : v.get("auth.admins").split(",")) {
            if (!admin.isBlank()) admins.add(admin.trim());
        }
        return new AuthSettings(jwksUrl, v.get("auth.issuer").trim(), v.get("auth.audience").trim(),
                Durations.parse(v.get("auth.jwksCacheTtl")), Durations.parse(v.get("auth.jwksMinRefreshInterval")),
                bool("auth.localTokens", v.get("auth.localTokens")), admins);
    }

    private static boolean bool(String key, String value) {
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(key + " must be true or false, not '" + value + "'");
        };
    }

    private static BuildSettings.BuildNetwork buildNetwork(String value) {
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "proxy" -> BuildSettings.BuildNetwork.PROXY;
            case "host" -> BuildSettings.BuildNetwork.HOST;
            default -> throw new IllegalArgumentException("build.network must be proxy or host, not '" + value + "'");
        };
    }

    private static SandboxSettings.Egress egress(String value) {
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "none" -> SandboxSettings.Egress.NONE;
            case "nat" -> SandboxSettings.Egress.NAT;
            default -> throw new IllegalArgumentException("sandbox.egress must be none or nat, not '" + value + "'");
        };
    }

    /** One line per setting, for the start-up log; credentials inside URLs are redacted. */
    public static List<String> describe(SlipwayConfig c) {
        List<String> lines = new ArrayList<>();
        lines.add("port=" + c.port() + " host=" + c.host() + " publicUrl=" + c.publicUrl().map(URI::toString).orElse("http://localhost:<port>") + " data=" + c.dataDir());
        lines.add("database: " + (c.databaseUrl().isEmpty() ? "sqlite " + c.dataDir().resolve("db/slipway.db")
                : "postgresql " + redact(c.databaseUrl())));
        lines.add("upload: " + c.upload());
        lines.add("proxy: maxBodySize=" + c.proxy().maxBodySize() + " maxHeaderSize=" + c.proxy().maxHeaderSize()
                + " idleTimeout=" + Durations.format(c.proxy().idleTimeout()) + " eventLoops=" + c.proxy().eventLoops() + " drainTimeout=" + Durations.format(c.proxy().drainTimeout()));
        lines.add("apps: defaultSleepAfter=" + Durations.format(c.apps().defaultSleepAfter()) + " maxSleepAfter="
                + Durations.format(c.apps().maxSleepAfter()));
        var i = c.instances();
        lines.add("instances: startTimeout=" + Durations.format(i.startTimeout()) + " stopGrace=" + Durations.format(i.stopGrace())
                + " maxWaiters=" + i.maxWaiters() + " maxWait=" + Durations.format(i.maxWait()) + " maxRunning=" + i.maxRunning()
                + " idleCheckInterval=" + Durations.format(i.idleCheckInterval()) + " maxBackoff=" + Durations.format(i.maxBackoff()));
        BuildSettings b = c.build();
        lines.add("build: timeout=" + Durations.format(b.timeout()) + " esbuild=" + b.esbuildVersion() + " npmRegistry=" + redact(b.npmRegistry())
                + " pipIndexUrl=" + redact(b.pipIndexUrl()) + " pipFindLinks=" + redact(b.pipFindLinks())
                + " npmCache=" + (b.npmCache().isBlank() ? "<data>/cache/npm" : b.npmCache()) + " network=" + b.network()
                + " allowedHosts=" + b.allowedHosts());
        BuildLimits l = b.limits();
        lines.add("build limits: memory=" + l.memory() + " cpus=" + l.cpus() + " pids=" + l.pids() + " tmpSize=" + l.tmpSize()
                + " maxConcurrent=" + l.maxConcurrent() + " maxPerUser=" + l.maxPerUser() + " maxQueued=" + l.maxQueued()
                + " keepUnusedDeps=" + Durations.format(l.keepUnusedDeps()));
        lines.add("sandbox: " + c.sandbox());
        AuthSettings a = c.auth();
        lines.add("auth: localTokens=" + a.localTokens() + " jwksUrl=" + a.jwksUrl().map(u -> redact(u.toString())).orElse("<none>")
                + " issuer=" + a.issuer() + " audience=" + a.audience() + " jwksCacheTtl=" + Durations.format(a.jwksCacheTtl())
                + " jwksMinRefreshInterval=" + Durations.format(a.jwksMinRefreshInterval()) + " admins=" + a.admins());
        c.plans().values().forEach(p -> lines.add("plan " + p.name() + ": apps=" + p.apps() + " memory=" + p.memory() + " cpus="
                + p.cpus() + " maxSleepAfter=" + Durations.format(p.maxSleepAfter()) + " activeTimePerMonth="
                + Durations.format(p.activeTimePerMonth()) + " requestsPerSecond=" + p.requestsPerSecond()));
        return lines;
    }

    /** The URL with its credentials hidden ({@code user:password@} and any {@code password=} parameter), for logs and errors. */
    public static String redact(String url) {
        return url.replaceAll("(?<=://)[^/@\\s]+@", "***@").replaceAll("(?i)(password=)[^&]*", "$1***");
    }
}
