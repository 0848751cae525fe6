import io.slipway.app.App;
import io.slipway.app.AppStatus;
import io.slipway.app.DataDir;
import io.slipway.auth.SigningSecret;
import io.slipway.auth.TokenService;
import io.slipway.app.FileTrees;
import io.slipway.artifacts.LocalArtifactStore;
import io.slipway.runtime.Layer;
import io.slipway.store.AppStore;
import io.slipway.store.Database;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Slipway's benchmark harness: every measurement of BENCHMARKS.md, each side by side with its reference, measured in
 * this one run on this machine, printed with the ratio and the floor it must meet.
 *
 * <p>Run with {@code bench/run [--smoke] [section …]}; sections: proxy, wake, mcp-wake, docker-wake, deploy, storm, density,
 * sse (default all). {@code --smoke} runs every section briefly, only to prove the harness works (CI does this). Needs root,
 * bubblewrap, node, python3, nginx, wrk, podman and runc (bench/run installs the last four).
 */
public class Harness {
    static final Path ROOT = Path.of("").toAbsolutePath();
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).executor(Executors.newVirtualThreadPerTaskExecutor()).build();
    static final List<String> FLOORS = new ArrayList<>();
    static boolean smoke;
    static Path work;

    public static void main(String[] args) throws Exception {
        List<String> sections = new ArrayList<>();
        for (String a : args) {
            if (a.equals("--smoke")) smoke = true;
            else sections.add(a);
        }
        if (sections.isEmpty()) sections = List.of("proxy", "wake", "mcp-wake", "docker-wake", "deploy", "storm", "density", "sse");
        work = Files.createTempDirectory(Path.of("/tmp"), "slipway-bench-");
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwx--x--x"));
        System.out.printf("Slipway benchmarks%s — %s, %d cores, %s, %s, %s%n", smoke ? " (smoke: short runs, figures not meaningful)" : "",
                Instant.now().toString().substring(0, 16), Runtime.getRuntime().availableProcessors(), cpuModel(), memory(), loadAverage());
        try {
            for (String section : sections) {
                System.out.println();
                switch (section) {
                    case "proxy" -> proxy();
                    case "proxy-ab" -> proxyAb();
                    case "wake" -> wake();
                    case "mcp-wake" -> mcpWake();
                    case "docker-wake" -> dockerWake();
                    case "deploy" -> deploy();
                    case "storm" -> storm();
                    case "density" -> density();
                    case "sse" -> sse();
                    default -> throw new IllegalArgumentException("unknown section " + section);
                }
            }
        } finally {
            // The machine-wide uid claims of the runs' data dirs go with them (a later Slipway would take them as stale).
            try (var dirs = Files.list(work)) {
                dirs.filter(Files::isDirectory).forEach(d -> io.slipway.runtime.host.UidClaims.machineWide(d).releaseAll());
            }
            FileTrees.deleteQuietly(work);
        }
        System.out.println();
        System.out.println("At the end: " + loadAverage());
        System.out.println("Floors:");
        FLOORS.forEach(f -> System.out.println("  " + f));
        if (FLOORS.stream().anyMatch(f -> f.startsWith("MISSED")) && !smoke) System.exit(1);
    }

    // ---------------------------------------------------------------------------------------------------------- proxy

    /**
     * Requests/s and latency of one hello app, the one Slipway runs in its sandbox: direct, through nginx (upstream
     * keep-alive) and through Slipway, so that the proxies, not the sandbox, are compared. nginx to the same code run
     * bare on loopback is measured too: what the sandbox itself costs. Each target is warmed up first (Slipway longest:
     * its JIT keeps improving it for about a minute), then they are measured in turn, round after round, and each figure
     * is the median of its rounds. On a shared two-core machine the background load drifts by a quarter within minutes;
     * measured in turn, the targets see the same drift.
     */
    static void proxy() throws Exception {
        int rounds = smoke ? 1 : 5;
        String each = smoke ? "2s" : "8s";
        System.out.printf("== Proxy: node hello app, wrk -t2; %d round%s of %s per target, after a warm-up; medians%n",
                rounds, rounds == 1 ? "" : "s", each);
        // No access log, as nginx has none here: the proxies are compared, not their logging.
        try (Slipway slipway = Slipway.start("proxy", PROXIED)) {
            String viaSlipway = slipway.awakeHello();
            String app = slipway.appAddress();
            try (Bare bare = Bare.node(source("hello.js")); Nginx nginx = Nginx.start("nginx", app);
                 Nginx nginxToBare = Nginx.start("nginx-bare", "127.0.0.1:" + bare.port)) {
                String direct = "http://" + app + "/";
                String viaNginx = "http://127.0.0.1:" + nginx.port + "/";
                String viaNginxToBare = "http://127.0.0.1:" + nginxToBare.port + "/";
                Wrk.warmUp(direct, smoke ? "1s" : "5s");
                Wrk.warmUp(viaNginx, smoke ? "1s" : "5s");
                Wrk.warmUp(viaNginxToBare, smoke ? "1s" : "5s");
                Wrk.warmUp(viaSlipway, smoke ? "1s" : "60s");
                for (int connections : List.of(32, 256)) {
                    List<Wrk> d = new ArrayList<>(), n = new ArrayList<>(), b = new ArrayList<>(), s = new ArrayList<>();
                    for (int round = 0; round < rounds; round++) {
                        d.add(Wrk.run(direct, connections, each));
                        n.add(Wrk.run(viaNginx, connections, each));
                        b.add(Wrk.run(viaNginxToBare, connections, each));
                        s.add(Wrk.run(viaSlipway, connections, each));
                    }
                    Wrk dm = Wrk.median(d), nm = Wrk.median(n), bm = Wrk.median(b), sm = Wrk.median(s);
                    System.out.printf("  c=%-3d  direct   %9.0f req/s  p50 %7.2f ms  p99 %7.2f ms   (the app in its sandbox, %s)%n",
                            connections, dm.rps, dm.p50, dm.p99, app);
                    System.out.printf("         nginx    %9.0f req/s  p50 %7.2f ms  p99 %7.2f ms   (to the same app)%n", nm.rps, nm.p50, nm.p99);
                    System.out.printf("         slipway  %9.0f req/s  p50 %7.2f ms  p99 %7.2f ms   = %.2fx nginx's req/s, %.2fx its p99%n",
                            sm.rps, sm.p50, sm.p99, sm.rps / nm.rps, sm.p99 / nm.p99);
                    System.out.printf("         nginx to the same code run bare on loopback: %.0f req/s, p99 %.2f ms (slipway = %.2fx, %.2fx)%n",
                            bm.rps, bm.p99, sm.rps / bm.rps, sm.p99 / bm.p99);
                    if (rounds > 1) {
                        System.out.printf("         rounds: nginx %s req/s; slipway %s req/s%n", Wrk.list(n, Wrk::rps), Wrk.list(s, Wrk::rps));
                    }
                    if (connections == 32) {
                        floor(sm.rps / nm.rps >= 0.9, "proxy req/s at 32 connections %.2fx nginx (floor >= 0.9x)", sm.rps / nm.rps);
                        floor(sm.p99 / nm.p99 <= 1.5, "proxy p99 at 32 connections %.2fx nginx (floor <= 1.5x)", sm.p99 / nm.p99);
                        // Issue 20: against what a user compares, "my app behind nginx" on loopback.
                        floor(sm.rps / bm.rps >= 1.2, "proxy req/s at 32 connections %.2fx nginx to the bare copy (floor >= 1.2x)", sm.rps / bm.rps);
                        floor(sm.p99 <= bm.p99, "proxy p99 at 32 connections %.2fx nginx to the bare copy's (floor <= 1x)", sm.p99 / bm.p99);
                    }
                }
            }
        }
    }

    /** No access log, as nginx has none here: the proxies are compared, not their logging. */
    static final Map<String, String> PROXIED = Map.of("SLIPWAY_LOGGING_ACCESS_LOG", "false");

    /**
     * What one change to the proxy buys: two Slipways side by side, each with the environment its variable names
     * ({@code BENCH_A}, {@code BENCH_B}: {@code KEY=VALUE} pairs split by {@code ;}, e.g. {@code SLIPWAY_JAR=/tmp/before.jar}
     * or {@code SLIPWAY_JAVA_OPTS=…}), taking turns with nginx to the bare copy at 32 connections. Not part of a full run.
     */
    static void proxyAb() throws Exception {
        int rounds = smoke ? 1 : 8;
        String each = smoke ? "2s" : "8s";
        Map<String, String> envA = new LinkedHashMap<>(PROXIED), envB = new LinkedHashMap<>(PROXIED);
        envA.putAll(pairs(System.getenv().getOrDefault("BENCH_A", "")));
        envB.putAll(pairs(System.getenv().getOrDefault("BENCH_B", "")));
        System.out.printf("== Proxy A/B: node hello app, wrk -t2 -c32; %d rounds of %s each, taking turns; medians%n  A: %s%n  B: %s%n",
                rounds, each, envA, envB);
        try (Slipway a = Slipway.start("proxy-a", envA); Slipway b = Slipway.start("proxy-b", envB);
             Bare bare = Bare.node(source("hello.js")); Nginx nginx = Nginx.start("nginx-bare", "127.0.0.1:" + bare.port)) {
            String viaA = a.awakeHello(), viaB = b.awakeHello(), viaNginx = "http://127.0.0.1:" + nginx.port + "/";
            Wrk.warmUp(viaNginx, smoke ? "1s" : "5s");
            Wrk.warmUp(viaA, smoke ? "1s" : "60s");
            Wrk.warmUp(viaB, smoke ? "1s" : "60s");
            List<Wrk> ra = new ArrayList<>(), rb = new ArrayList<>(), rn = new ArrayList<>();
            for (int round = 0; round < rounds; round++) {
                ra.add(Wrk.run(viaA, 32, each));
                rb.add(Wrk.run(viaB, 32, each));
                rn.add(Wrk.run(viaNginx, 32, each));
            }
            Wrk ma = Wrk.median(ra), mb = Wrk.median(rb), mn = Wrk.median(rn);
            System.out.printf("  A      %9.0f req/s  p99 %7.2f ms  = %.2fx nginx-to-bare's req/s, %.2fx its p99   rounds %s%n",
                    ma.rps, ma.p99, ma.rps / mn.rps, ma.p99 / mn.p99, Wrk.list(ra, Wrk::rps));
            System.out.printf("  B      %9.0f req/s  p99 %7.2f ms  = %.2fx nginx-to-bare's req/s, %.2fx its p99   rounds %s%n",
                    mb.rps, mb.p99, mb.rps / mn.rps, mb.p99 / mn.p99, Wrk.list(rb, Wrk::rps));
            System.out.printf("  nginx  %9.0f req/s  p99 %7.2f ms  (to the same code run bare on loopback)   rounds %s%n",
                    mn.rps, mn.p99, Wrk.list(rn, Wrk::rps));
            System.out.printf("  B/A: %.3fx req/s, %.2fx p99%n", mb.rps / ma.rps, mb.p99 / ma.p99);
        }
    }

    /** {@code K=V;K=V} as a map. */
    static Map<String, String> pairs(String spec) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String pair : spec.split(";")) {
            int eq = pair.indexOf('=');
            if (eq > 0) out.put(pair.substring(0, eq).strip(), pair.substring(eq + 1));
        }
        return out;
    }

    // ----------------------------------------------------------------------------------------------------------- wake

    /** Sleeping app to first byte, against the bare runtime's start to first 200, for node and python. */
    static void wake() throws Exception {
        int runs = smoke ? 3 : 15;
        System.out.println("== Wake: sleeping app to the first byte of its answer, vs the bare runtime's start to first 200 (median of " + runs + ")");
        try (Slipway slipway = Slipway.start("wake", Map.of("SLIPWAY_INSTANCES_IDLE_CHECK_INTERVAL", "50ms"))) {
            for (String file : List.of("index.js", "app.py")) {
                String source = source(file.equals("index.js") ? "hello.js" : "hello.py");
                String id = slipway.deploy(file, source, Map.of("sleepAfter", "1s")).get("id");
                String url = slipway.base + "/containers/" + id + "/";
                List<Double> wakes = new ArrayList<>();
                List<Double> bares = new ArrayList<>();
                Bare.start(file, source).close(); // warm the interpreter's files into the page cache
                for (int i = 0; i < runs + 1; i++) {
                    slipway.awaitStatus(id, "sleeping", Duration.ofSeconds(30));
                    double ms = firstByteMillis(url);
                    try (Bare bare = Bare.start(file, source)) {
                        if (i > 0) {
                            wakes.add(ms);
                            bares.add(bare.startMillis);
                        }
                    }
                }
                double wake = median(wakes);
                double bare = median(bares);
                String runtime = file.equals("index.js") ? "node" : "python";
                System.out.printf("  %-6s  bare %6.1f ms   slipway wake %6.1f ms  (p90 %6.1f)  = bare %+6.1f ms%n", runtime, bare, wake,
                        percentile(wakes, 90), wake - bare);
                System.out.println("          wakes (ms): " + list(wakes));
                floor(wake - bare <= 150, "%s wake = bare runtime %+.0f ms (floor <= +150 ms, goal +50 ms)", runtime, wake - bare);
            }
        }
    }

    /**
     * A real MCP server (bench/apps/mcp-sdk.js: the TypeScript SDK, express, zod) asleep, to the first byte of its
     * answer, against the same built code started bare: the dependency set Slipway's build installed, copied beside the
     * same file, run by hand with {@code node}. What a user compares: "my server started by hand" against "my server
     * woken on Slipway" (issue 20's goal: no slower).
     */
    static void mcpWake() throws Exception {
        int runs = smoke ? 3 : 15;
        System.out.println("== MCP server wake: a sleeping TS SDK + express + zod server to the first byte of its answer, vs the same built code started bare (median of " + runs + ")");
        try (Slipway slipway = Slipway.start("mcp-wake", Map.of("SLIPWAY_INSTANCES_IDLE_CHECK_INTERVAL", "50ms"))) {
            String source = source("mcp-sdk.js");
            long t0 = System.nanoTime();
            String id = slipway.deploy("index.js", source, Map.of("sleepAfter", "1s",
                    "requirements", "@modelcontextprotocol/sdk@1.32.2 express@5.1.0 zod@3.25.76")).get("id");
            System.out.printf("  deployed in %.1f s (the install included)%n", (System.nanoTime() - t0) / 1e9);
            Path bare = Files.createDirectories(work.resolve("bare-mcp"));
            try (var sets = Files.list(slipway.data.resolve("deps/node"))) {
                Path set = sets.filter(Files::isDirectory).findFirst().orElseThrow(() -> new IllegalStateException("no dependency set was built"));
                Path modules = Files.exists(set.resolve("node_modules")) ? set.resolve("node_modules") : set;
                Harness.run("cp", "-a", modules.toString(), bare.resolve("node_modules").toString());
            }
            String url = slipway.base + "/containers/" + id + "/";
            List<Double> wakes = new ArrayList<>();
            List<Double> bares = new ArrayList<>();
            Bare.in(bare, "index.js", source).close(); // warm the files into the page cache
            for (int i = 0; i < runs + 1; i++) {
                slipway.awaitStatus(id, "sleeping", Duration.ofSeconds(30));
                double ms = firstByteMillis(url);
                try (Bare started = Bare.in(bare, "index.js", source)) {
                    if (i > 0) {
                        wakes.add(ms);
                        bares.add(started.startMillis);
                    }
                }
            }
            double wake = median(wakes);
            double bareStart = median(bares);
            System.out.printf("  mcp     bare %6.1f ms   slipway wake %6.1f ms  (p90 %6.1f)  = bare %+6.1f ms%n", bareStart, wake,
                    percentile(wakes, 90), wake - bareStart);
            System.out.println("          wakes (ms): " + list(wakes));
            System.out.println("          bare starts (ms): " + list(bares));
            floor(wake <= bareStart, "MCP SDK server wake = its bare start %+.0f ms (floor <= +0 ms, issue 20)", wake - bareStart);
        }
    }

    /** A request to {@code url}: the time to the first byte of its answer, which must be a 200. */
    static double firstByteMillis(String url) throws Exception {
        long t0 = System.nanoTime();
        HttpResponse<InputStream> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = r.body()) {
            body.read();
            double ms = (System.nanoTime() - t0) / 1e6;
            if (r.statusCode() != 200) throw new IllegalStateException(url + " answered " + r.statusCode());
            return ms;
        }
    }

    // ---------------------------------------------------------------------------------------------------- docker-wake

    /**
     * The wake of a sleeping app with the docker runtime next to the process runtime's, for node and python: two
     * Slipways side by side, one running apps in containers of a podman service started for this section, and the bare
     * runtime's start, taking turns so that all three see the same machine. The docker Slipway's first deploy of each
     * language makes its base image from the host's interpreter and the app's image; it is timed, and not a wake.
     */
    static void dockerWake() throws Exception {
        int runs = smoke ? 3 : 15;
        System.out.println("== Docker wake: sleeping app to the first byte of its answer, docker runtime (podman) and process runtime, "
                + "vs the bare runtime's start to first 200, taking turns (median of " + runs + ")");
        String idleCheck = "SLIPWAY_INSTANCES_IDLE_CHECK_INTERVAL";
        try (Podman podman = Podman.start(work.resolve("podman"));
             Slipway process = Slipway.start("docker-wake-process", Map.of(idleCheck, "50ms"));
             Slipway docker = Slipway.start("docker-wake-docker", Map.of(idleCheck, "50ms", "SLIPWAY_RUNTIME", "docker",
                     "SLIPWAY_DOCKER_HOST", podman.host().toString()))) {
            System.out.println("  " + docker.lines().stream().filter(l -> l.contains("apps run in containers of")).findFirst()
                    .map(l -> l.substring(l.indexOf("apps run"))).orElse("apps run in containers of podman at " + podman.host()));
            for (String file : List.of("index.js", "app.py")) {
                String source = source(file.equals("index.js") ? "hello.js" : "hello.py");
                String runtime = file.equals("index.js") ? "node" : "python";
                String processId = process.deploy(file, source, Map.of("sleepAfter", "1s")).get("id");
                String processUrl = process.base + "/containers/" + processId + "/";
                process.get(processUrl);
                // The deploy starts the app in the background; its first answer waits for that start, which makes the
                // base image and the app's image.
                long t0 = System.nanoTime();
                String dockerId = docker.deploy(file, source, Map.of("sleepAfter", "1s")).get("id");
                String dockerUrl = docker.base + "/containers/" + dockerId + "/";
                docker.get(dockerUrl);
                double firstAnswer = (System.nanoTime() - t0) / 1e6;
                List<Double> processWakes = new ArrayList<>(), dockerWakes = new ArrayList<>(), bares = new ArrayList<>();
                Bare.start(file, source).close(); // warm the interpreter's files into the page cache
                for (int i = 0; i < runs + 1; i++) {
                    process.awaitStatus(processId, "sleeping", Duration.ofSeconds(30));
                    docker.awaitStatus(dockerId, "sleeping", Duration.ofSeconds(30));
                    double p = firstByteMillis(processUrl);
                    double d = firstByteMillis(dockerUrl);
                    try (Bare bare = Bare.start(file, source)) {
                        if (i > 0) { // the first round warms up each path
                            processWakes.add(p);
                            dockerWakes.add(d);
                            bares.add(bare.startMillis);
                        }
                    }
                }
                double bare = median(bares), p = median(processWakes), d = median(dockerWakes);
                System.out.printf("  %-6s  bare %6.1f ms   process wake %6.1f ms (p90 %6.1f) = bare %+6.1f ms   docker wake %6.1f ms (p90 %6.1f) "
                        + "= bare %+6.1f ms, %.2fx the process runtime's%n", runtime, bare, p, percentile(processWakes, 90), p - bare, d,
                        percentile(dockerWakes, 90), d - bare, d / p);
                Matcher made = Pattern.compile("made the base image localhost/slipway/" + runtime + "\\S* .* in (\\d+ ms)")
                        .matcher(String.join("\n", docker.lines()));
                System.out.printf("          docker wakes (ms): %s   (upload to first answer, images made: %.0f ms; base image %s)%n",
                        list(dockerWakes), firstAnswer, made.find() ? made.group(1) : "already there");
                System.out.println("          process wakes (ms): " + list(processWakes));
                // Python's has none: its image's stdlib sources carry mtime 0, so the host's timestamp-checked .pyc files
                // are stale in the container and every start compiles the modules again (BENCHMARKS.md).
                if (runtime.equals("node")) floor(d - bare <= 500, "docker node wake = bare runtime %+.0f ms (floor <= +500 ms)", d - bare);
            }
            System.out.println("  (a floor for node's docker wake only: python's is printed, BENCHMARKS.md says why)");
            System.out.println("  " + loadAverage());
        }
    }

    // --------------------------------------------------------------------------------------------------------- deploy

    /** Upload to 201 when the dependency set is already installed: Slipway's own work only. */
    static void deploy() throws Exception {
        int runs = smoke ? 3 : 20;
        System.out.println("== Deploy with cached dependencies: upload to 201, express and cors already installed (median of " + runs + ")");
        try (Slipway slipway = Slipway.start("deploy", Map.of())) {
            Map<String, String> fields = Map.of("requirements", "express cors");
            slipway.deploy("index.ts", source("express.ts"), fields);
            List<Double> times = new ArrayList<>();
            for (int i = 0; i < runs; i++) {
                long t0 = System.nanoTime();
                slipway.deploy("index.ts", source("express.ts"), fields);
                times.add((System.nanoTime() - t0) / 1e6);
            }
            double median = median(times);
            System.out.printf("  index.ts + express cors   median %6.1f ms   p90 %6.1f ms   max %6.1f ms%n", median, percentile(times, 90),
                    Collections.max(times));
            floor(median <= 300, "cached-deps deploy %.0f ms (floor <= 300 ms)", median);
        }
    }

    // ---------------------------------------------------------------------------------------------------------- storm

    /** 200 requests at once to a sleeping app: all answered, one start. */
    static void storm() throws Exception {
        int clients = 200;
        System.out.println("== Wake storm: " + clients + " concurrent requests to a sleeping app");
        try (Slipway slipway = Slipway.start("storm", Map.of("SLIPWAY_INSTANCES_IDLE_CHECK_INTERVAL", "50ms"))) {
            String id = slipway.deploy("index.js", source("hello.js"), Map.of("sleepAfter", "1s")).get("id");
            String url = slipway.base + "/containers/" + id + "/";
            for (int round = 0; round < (smoke ? 1 : 3); round++) {
                slipway.awaitStatus(id, "sleeping", Duration.ofSeconds(30));
                long startsBefore = slipway.starts(id);
                List<Double> latencies = new CopyOnWriteArrayList<>();
                AtomicInteger ok = new AtomicInteger();
                CountDownLatch go = new CountDownLatch(1);
                List<CompletableFuture<Void>> all = new ArrayList<>();
                try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
                    for (int i = 0; i < clients; i++) {
                        all.add(CompletableFuture.runAsync(() -> {
                            try {
                                go.await();
                                long t0 = System.nanoTime();
                                var r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60)).build(),
                                        HttpResponse.BodyHandlers.ofString());
                                latencies.add((System.nanoTime() - t0) / 1e6);
                                if (r.statusCode() == 200) ok.incrementAndGet();
                            } catch (Exception e) {
                                latencies.add(Double.NaN);
                            }
                        }, threads));
                    }
                    go.countDown();
                    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
                }
                long starts = slipway.starts(id) - startsBefore;
                List<Double> answered = latencies.stream().filter(d -> !d.isNaN()).toList();
                System.out.printf("  round %d: %d/%d answered 200, %d start(s), p50 %6.1f ms, p99 %6.1f ms, last %6.1f ms%n", round + 1,
                        ok.get(), clients, starts, median(answered), percentile(answered, 99), Collections.max(answered));
                floor(ok.get() == clients && starts == 1, "wake storm round %d: %d/%d answered, %d start(s) (floor: all, one start)",
                        round + 1, ok.get(), clients, starts);
            }
        }
    }

    // -------------------------------------------------------------------------------------------------------- density

    /** Many registered sleeping apps: Slipway's resident memory, and the latency of listing a user's apps. */
    static void density() throws Exception {
        int apps = smoke ? 200 : 10_000;
        int perUser = 100;
        System.out.printf("== Density: %,d registered sleeping apps (%d users of %d apps)%n", apps, apps / perUser, perUser);
        Path data = work.resolve("density");
        long emptyRss;
        try (Slipway slipway = Slipway.start("density", Map.of())) {
            // One real deploy; its built code is what every registered app gets, as a restart would find them.
            slipway.deploy("index.js", source("hello.js"), Map.of());
            emptyRss = slipway.settledRss();
        }
        seed(data, apps, perUser);
        try (Slipway slipway = Slipway.start("density", Map.of())) {
            String user = slipway.token("user-0");
            List<Double> lists = new ArrayList<>();
            int count = 0;
            for (int i = 0; i < (smoke ? 5 : 50); i++) {
                long t0 = System.nanoTime();
                var r = HTTP.send(HttpRequest.newBuilder(URI.create(slipway.base + "/api/mcp-projects")).header("Authorization", "Bearer " + user)
                        .build(), HttpResponse.BodyHandlers.ofString());
                lists.add((System.nanoTime() - t0) / 1e6);
                count = r.body().split("\"id\"", -1).length - 1;
            }
            lists.removeFirst();
            long rss = slipway.settledRss();
            System.out.printf("  server RSS: %d MB with 1 app, %d MB with %,d   (JVM heap max %s)%n", emptyRss >> 20, rss >> 20, apps,
                    slipway.heapMax());
            System.out.printf("  GET /api/mcp-projects (%d apps): median %5.1f ms, p90 %5.1f ms%n", count, median(lists), percentile(lists, 90));
            if (!smoke) floor(rss <= 300L << 20, "%,d sleeping apps: RSS %d MB (floor <= 300 MB)", apps, rss >> 20);
            floor(median(lists) <= 50, "list page with %,d apps registered: %.1f ms (floor <= 50 ms)", apps, median(lists));
        }
    }

    /** Registers apps the way a restart finds them: rows in the store, built code in place, all asleep. */
    static void seed(Path data, int apps, int perUser) throws Exception {
        DataDir dataDir = new DataDir(data);
        try (Database db = Database.openSqlite(dataDir.database())) {
            // The env cipher of the data dir (its generated key), as the Slipway that reads these rows will have it.
            AppStore store = io.slipway.boot.EnvKeys.of(io.slipway.config.SecretSettings.generated(), db, data).store();
            App model = store.listAll().getFirst();
            LocalArtifactStore artifacts = new LocalArtifactStore(dataDir);
            Path code = artifacts.directory(model.id(), Layer.of(Layer.Kind.CODE, model.codeHash()));
            Instant now = Instant.now();
            for (int i = 0; i < apps; i++) {
                String id = "bench" + UUID.randomUUID().toString().replace("-", "").substring(0, 20);
                Path target = Files.createDirectories(artifacts.build(id, model.codeHash()).resolve("code"));
                try (var files = Files.list(code)) {
                    for (Path f : (Iterable<Path>) files::iterator) Files.copy(f, target.resolve(f.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
                }
                store.insert(new App(id, "user-" + (i / perUser), "app-" + i, model.language(), model.entryFile(), List.of(),
                        model.sleepAfter(), Map.of(), AppStatus.SLEEPING, null, model.codeHash(), null, false, false, "bench",
                        now.plusMillis(i), now.plusMillis(i), null, App.DEFAULT_HEALTH_PATH, model.transport(), model.mcp()));
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------------ sse

    /** Many open SSE streams through the proxy: Slipway's heap while they are open. */
    static void sse() throws Exception {
        int streams = smoke ? 100 : 1000;
        System.out.printf("== SSE: %,d concurrent event streams through the proxy to one app%n", streams);
        try (Slipway slipway = Slipway.start("sse", Map.of())) {
            String id = slipway.deploy("index.js", source("sse-forever.js"), Map.of()).get("id");
            URI url = URI.create(slipway.base + "/containers/" + id + "/events");
            slipway.get(slipway.base + "/containers/" + id + "/");
            long heapBefore = slipway.liveHeap();
            CountDownLatch firstEvents = new CountDownLatch(streams);
            List<InputStream> open = new CopyOnWriteArrayList<>();
            AtomicInteger failed = new AtomicInteger();
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(Executors.newVirtualThreadPerTaskExecutor()).build();
            for (int i = 0; i < streams; i++) {
                client.sendAsync(HttpRequest.newBuilder(url).build(), HttpResponse.BodyHandlers.ofInputStream()).whenComplete((r, e) -> {
                    if (e != null || r.statusCode() != 200) {
                        failed.incrementAndGet();
                        firstEvents.countDown();
                        return;
                    }
                    open.add(r.body());
                    Thread.ofVirtual().start(() -> {
                        try {
                            if (r.body().read() >= 0) firstEvents.countDown();
                        } catch (IOException ex) {
                            failed.incrementAndGet();
                        }
                    });
                });
            }
            if (!firstEvents.await(120, TimeUnit.SECONDS)) throw new IllegalStateException("streams did not all start");
            long heap = slipway.liveHeap();
            long rss = slipway.rss();
            System.out.printf("  %d/%d streams open; Slipway's live heap %d MB (%d MB before), RSS %d MB%n", open.size(), streams,
                    heap >> 20, heapBefore >> 20, rss >> 20);
            floor(failed.get() == 0 && heap <= 200L << 20, "%,d SSE streams: %d failed, live heap %d MB (floor <= 200 MB)", streams,
                    failed.get(), heap >> 20);
            for (InputStream in : open) in.close();
            client.shutdownNow();
        }
    }

    // -------------------------------------------------------------------------------------------------------- helpers

    static void floor(boolean met, String format, Object... args) {
        FLOORS.add((met ? "met    " : "MISSED ") + String.format(Locale.ROOT, format, args));
    }

    static String source(String name) throws IOException {
        Path bench = ROOT.resolve("bench/apps").resolve(name);
        return Files.readString(Files.exists(bench) ? bench : ROOT.resolve("src/test/resources/apps").resolve(name));
    }

    static String list(List<Double> values) {
        return values.stream().map(v -> String.format("%.0f", v)).collect(java.util.stream.Collectors.joining(" "));
    }

    static double median(List<Double> values) {
        return percentile(values, 50);
    }

    static double percentile(List<Double> values, int p) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("unknown CPU");
        } catch (IOException e) {
            return "unknown CPU";
        }
    }

    /** What else the machine was doing: the 1, 5 and 15 minute load averages. */
    static String loadAverage() {
        try {
            String[] load = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return "load average " + load[0] + " " + load[1] + " " + load[2];
        } catch (IOException e) {
            return "load average unknown";
        }
    }

    static String memory() {
        long bytes = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getTotalMemorySize();
        return (bytes >> 30) + " GiB RAM";
    }

    static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
        return out;
    }

    /** Slipway as a user runs it: {@code ./slipway up}, its own process, on a free port, with a bench plan. */
    static final class Slipway implements AutoCloseable {
        static final Pattern LISTENING = Pattern.compile("Slipway listening on http://localhost:(\\d+)");
        final Process process;
        final String base;
        final Path data;
        final String token;
        /**
         * What Slipway printed, but its access log: a line per request, which at 30,000 requests a second would make
         * this process, on the cores it shares with what it measures, a load of its own.
         */
        final List<String> output = java.util.Collections.synchronizedList(new ArrayList<>());

        private Slipway(Path data, Map<String, String> env) throws Exception {
            this.data = data;
            Path config = work.resolve("bench-plan.yaml");
            // A plan with room for the benchmarks: a whole machine's CPU (so that the app, not its quota, is measured
            // as in the bare runs), no rate limit, and thousands of apps.
            Files.writeString(config, """
                    plans:
                      bench: { apps: 100000, memory: 512MiB, cpus: %d, maxSleepAfter: 24h, activeTimePerMonth: 100000h, requestsPerSecond: 1000000000 }
                    """.formatted(Runtime.getRuntime().availableProcessors()));
            ProcessBuilder pb = new ProcessBuilder("./slipway", "up", "--port", "0", "--data", data.toString(), "--config", config.toString())
                    .redirectErrorStream(true);
            pb.environment().put("SLIPWAY_JAR", ROOT.resolve("target/slipway.jar").toString());
            pb.environment().putAll(env);
            process = pb.start();
            Thread.ofVirtual().start(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    r.lines().filter(line -> !line.contains(" access - ")).forEach(output::add);
                } catch (IOException | java.io.UncheckedIOException ignored) {
                    // the process ended
                }
            });
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
            String port = null;
            while (port == null && System.nanoTime() < deadline && process.isAlive()) {
                synchronized (output) {
                    for (String line : output) {
                        Matcher m = LISTENING.matcher(line);
                        if (m.find()) port = m.group(1);
                    }
                }
                Thread.sleep(20);
            }
            if (port == null) throw new IllegalStateException("Slipway did not start:\n" + String.join("\n", lines()));
            base = "http://127.0.0.1:" + port;
            token = token("bench");
        }

        /** What Slipway has printed so far ({@link #output}), as it stands. */
        List<String> lines() {
            synchronized (output) {
                return List.copyOf(output);
            }
        }

        static Slipway start(String name, Map<String, String> env) throws Exception {
            Path data = work.resolve(name);
            return new Slipway(data, env);
        }

        String token(String user) {
            return new TokenService(SigningSecret.loadOrCreate(data), Clock.systemUTC()).mint(user, "bench", Duration.ofHours(2));
        }

        Map<String, String> deploy(String source, Map<String, String> fields) throws Exception {
            return deploy("index.js", source, fields);
        }

        Map<String, String> deploy(String file, String source, Map<String, String> fields) throws Exception {
            String boundary = "bench" + System.nanoTime();
            StringBuilder body = new StringBuilder();
            body.append("--").append(boundary).append("\r\nContent-Disposition: form-data; name=\"file\"; filename=\"").append(file)
                    .append("\"\r\n\r\n").append(source).append("\r\n");
            fields.forEach((k, v) -> body.append("--").append(boundary).append("\r\nContent-Disposition: form-data; name=\"").append(k)
                    .append("\"\r\n\r\n").append(v).append("\r\n"));
            body.append("--").append(boundary).append("--\r\n");
            var r = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/api/containers/upload")).header("Authorization", "Bearer " + token)
                    .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 201) throw new IllegalStateException("deploy answered " + r.statusCode() + ": " + r.body());
            Matcher m = Pattern.compile("\"id\":\"([a-z0-9]+)\"").matcher(r.body());
            if (!m.find()) throw new IllegalStateException("no id in " + r.body());
            return Map.of("id", m.group(1));
        }

        /**
         * Where Slipway reaches the app it runs (host:port of its sandbox's end of the link), read from Slipway's own
         * connections to it, so that nginx and wrk can be pointed at the very same app.
         */
        String appAddress() throws Exception {
            String pid = "pid=" + process.pid() + ",";
            String connections = Harness.run("ss", "-Htnp", "state", "established", "( dport = :8000 )");
            for (String line : connections.split("\n")) {
                if (!line.contains(pid)) continue;
                Matcher m = Pattern.compile("(\\d+\\.\\d+\\.\\d+\\.\\d+)]?:8000").matcher(line);
                if (m.find()) return m.group(1) + ":8000";
            }
            throw new IllegalStateException("Slipway (" + pid + ") holds no connection to an app on port 8000:\n" + connections);
        }

        /**
         * Deploys the hello app, awake for the whole section (traffic that does not pass Slipway does not keep it
         * awake), and returns its URL through Slipway once it has answered.
         */
        String awakeHello() throws Exception {
            String id = deploy(source("hello.js"), Map.of("sleepAfter", "24h")).get("id");
            String url = base + "/containers/" + id + "/";
            get(url);
            return url;
        }

        String get(String url) throws Exception {
            var r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) throw new IllegalStateException(url + " answered " + r.statusCode() + ": " + r.body());
            return r.body();
        }

        void awaitStatus(String id, String status, Duration within) throws Exception {
            long deadline = System.nanoTime() + within.toNanos();
            while (System.nanoTime() < deadline) {
                var r = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/api/containers/servers/" + id)).header("Authorization", "Bearer " + token)
                        .build(), HttpResponse.BodyHandlers.ofString());
                if (r.body().contains("\"status\":\"" + status + "\"")) return;
                Thread.sleep(20);
            }
            throw new IllegalStateException("app " + id + " did not become " + status);
        }

        long starts(String id) throws IOException {
            return Files.readAllLines(data.resolve("logs/" + id + ".log")).stream().filter(l -> l.endsWith("[slipway] starting")).count();
        }

        long rss() throws IOException {
            for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
                if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
            throw new IllegalStateException("no VmRSS");
        }

        /** RSS once the JVM has collected and settled. */
        long settledRss() throws Exception {
            liveHeap();
            Thread.sleep(1000);
            return rss();
        }

        /** The heap in use right after a full collection: what the objects alive need. */
        long liveHeap() throws Exception {
            String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
            run(jcmd, Long.toString(process.pid()), "GC.run");
            String info = run(jcmd, Long.toString(process.pid()), "GC.heap_info");
            // G1 prints one heap line, the serial collector one per generation: the sum of what is used, up to Metaspace.
            Pattern used = Pattern.compile("used (\\d+)K");
            long usedKib = 0;
            boolean found = false;
            for (String line : info.split("\n")) {
                if (line.contains("Metaspace") || line.contains("class space")) break;
                Matcher m = used.matcher(line);
                if (m.find()) {
                    usedKib += Long.parseLong(m.group(1));
                    found = true;
                }
            }
            if (!found) throw new IllegalStateException("cannot read the heap: " + info);
            return usedKib * 1024;
        }

        String heapMax() throws Exception {
            String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
            Matcher m = Pattern.compile("MaxHeapSize\\s*=\\s*(\\d+)").matcher(run(jcmd, Long.toString(process.pid()), "VM.flags", "-all"));
            return m.find() ? (Long.parseLong(m.group(1)) >> 20) + " MB" : "?";
        }

        @Override
        public void close() throws Exception {
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
        }
    }

    /** The app with nothing around it: its runtime started by hand, on a loopback port, in a sandbox's clean environment. */
    static final class Bare implements AutoCloseable {
        final Process process;
        final int port;
        final double startMillis;

        private Bare(List<String> command, Path dir, int port) throws Exception {
            this.port = port;
            ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD);
            pb.environment().clear();
            pb.environment().putAll(Map.of("PORT", Integer.toString(port), "HOST", "127.0.0.1", "NODE_ENV", "production",
                    "PATH", "/usr/local/bin:/usr/bin:/bin", "HOME", "/tmp", "PYTHONUNBUFFERED", "1"));
            long t0 = System.nanoTime();
            process = pb.start();
            URI url = URI.create("http://127.0.0.1:" + port + "/");
            HttpClient once = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            while (true) {
                try {
                    if (once.send(HttpRequest.newBuilder(url).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200) break;
                } catch (IOException e) {
                    if (!process.isAlive()) throw new IllegalStateException("the bare app exited", e);
                    Thread.sleep(1);
                }
            }
            startMillis = (System.nanoTime() - t0) / 1e6;
        }

        static Bare start(String file, String source) throws Exception {
            return in(Files.createDirectories(work.resolve("bare")), file, source);
        }

        /** {@code source} as {@code file} in {@code dir} (beside what the app needs there, its node_modules), started. */
        static Bare in(Path dir, String file, String source) throws Exception {
            Files.writeString(dir.resolve(file), source);
            List<String> command = file.endsWith(".py") ? List.of("/usr/bin/python3", "-u", file) : List.of("/usr/bin/node", file);
            return new Bare(command, dir, freePort());
        }

        static Bare node(String source) throws Exception {
            return start("index.js", source);
        }

        @Override
        public void close() throws Exception {
            process.destroyForcibly().waitFor();
        }
    }

    /** nginx in front of an upstream, as one would deploy it: keep-alive to the upstream, no access log. */
    static final class Nginx implements AutoCloseable {
        final Process process;
        final int port;

        private Nginx(String name, String upstream) throws Exception {
            port = freePort();
            Path dir = Files.createDirectories(work.resolve(name));
            Files.createDirectories(dir.resolve("logs"));
            Files.writeString(dir.resolve("nginx.conf"), """
                    worker_processes auto;
                    pid %1$s/nginx.pid;
                    error_log %1$s/logs/error.log warn;
                    events { worker_connections 4096; }
                    http {
                      access_log off;
                      upstream app { server %2$s; keepalive 128; }
                      server {
                        listen 127.0.0.1:%3$d;
                        location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection ""; }
                      }
                    }
                    """.formatted(dir, upstream, port));
            process = new ProcessBuilder("nginx", "-p", dir.toString(), "-c", dir.resolve("nginx.conf").toString(), "-g", "daemon off;")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < deadline) {
                try (var s = new java.net.Socket("127.0.0.1", port)) {
                    return;
                } catch (IOException e) {
                    Thread.sleep(10);
                }
            }
            throw new IllegalStateException("nginx did not start");
        }

        /** {@code upstream}: host:port. */
        static Nginx start(String name, String upstream) throws Exception {
            return new Nginx(name, upstream);
        }

        @Override
        public void close() throws Exception {
            process.destroy();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** One wrk run: requests/s and latency percentiles. */
    record Wrk(double rps, double p50, double p99) {
        static void warmUp(String url, String duration) throws Exception {
            Harness.run("wrk", "-t2", "-c32", "-d" + duration, url);
        }

        static Wrk run(String url, int connections, String duration) throws Exception {
            String out = Harness.run("wrk", "-t2", "-c" + connections, "-d" + duration, "--latency", url);
            Matcher rps = Pattern.compile("Requests/sec:\\s+([\\d.]+)").matcher(out);
            if (!rps.find()) throw new IllegalStateException("wrk: " + out);
            if (out.contains("Non-2xx") || out.contains("Socket errors")) System.out.println("  (wrk: " + out.lines()
                    .filter(l -> l.contains("Non-2xx") || l.contains("Socket errors")).findFirst().orElse("") .trim() + ")");
            return new Wrk(Double.parseDouble(rps.group(1)), latency(out, "50%"), latency(out, "99%"));
        }

        /** Each figure's median over the runs, taken separately. */
        static Wrk median(List<Wrk> runs) {
            return new Wrk(Harness.median(runs.stream().map(Wrk::rps).toList()), Harness.median(runs.stream().map(Wrk::p50).toList()),
                    Harness.median(runs.stream().map(Wrk::p99).toList()));
        }

        static String list(List<Wrk> runs, java.util.function.ToDoubleFunction<Wrk> figure) {
            return runs.stream().map(r -> String.format("%.0f", figure.applyAsDouble(r))).collect(java.util.stream.Collectors.joining(" "));
        }

        static double latency(String out, String percentile) {
            Matcher m = Pattern.compile(Pattern.quote(percentile) + "\\s+([\\d.]+)(us|ms|s)").matcher(out);
            if (!m.find()) throw new IllegalStateException("wrk: no " + percentile + " in " + out);
            double v = Double.parseDouble(m.group(1));
            return switch (m.group(2)) {
                case "us" -> v / 1000;
                case "s" -> v * 1000;
                default -> v;
            };
        }
    }
}
