package io.slipway.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.slipway.testing.SandboxProcesses;
import io.slipway.testing.SlipwayServerExtension;
import io.slipway.testing.SlipwayServerExtension.DataDir;
import io.slipway.testing.SlipwayServerExtension.Token;
import io.slipway.testing.TestApps;
import io.slipway.testing.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Uploaded code is hostile. Real apps try to read, write, reach and exhaust what they must not, in real sandboxes
 * with the default limits (256 MiB, 128 pids, half a core); every attempt is denied or contained while Slipway and
 * another app keep answering.
 */
class HostileAppsIT {
    @RegisterExtension
    static final SlipwayServerExtension slipway = SlipwayServerExtension.withDefaults();
    @DataDir
    static Path dataDir;
    static TestServer server;
    @Token("mallory")
    static String token;
    static String hostile;
    static String victim;

    @BeforeAll
    static void deployApps() {
        hostile = deployHostile();
        victim = server.deploy(server.token("victim"), "index.js", TestApps.source("hello.js"), Map.of()).getString("id");
        assertThat(server.call(victim, "/").statusCode()).isEqualTo(200);
    }

    @Test
    void cannotReadSlipwaysDataAnotherAppsCodeOrTheHostsSecrets() {
        Path victimsCode = victimsCode();
        assertThat(victimsCode).as("the victim's code, where Slipway keeps it").isRegularFile();
        List<String> forbidden = List.of(dataDir.toString(), dataDir.resolve("db/slipway.db").toString(),
                dataDir.resolve("secrets/jwt.key").toString(), victimsCode.toString(),
                dataDir.resolve("logs").toString(), "/root", "/etc/shadow", "/home", "/var/log", "/proc/1/root/etc/shadow");

        for (String path : forbidden) {
            assertThat(probe(hostile, "/read?path=" + encode(path)).getBoolean("ok")).as("read %s", path).isFalse();
        }
        assertThat(probe(hostile, "/read?path=/app/code/index.cjs").getBoolean("ok")).as("its own code").isTrue();
    }

    /** The victim app's built entry file, in its one build's directory. */
    private static Path victimsCode() {
        try (Stream<Path> builds = Files.list(dataDir.resolve("apps").resolve(victim).resolve("builds"))) {
            return builds.findFirst().orElseThrow().resolve("code/index.cjs");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void cannotWriteTheSystemOrItsOwnCodeButMayWriteItsTmp() {
        for (String path : List.of("/usr/bin/pwned", "/etc/pwned", "/etc/hosts", "/app/code/index.cjs", "/pwned")) {
            assertThat(probe(hostile, "/write?path=" + encode(path)).getBoolean("ok")).as("write %s", path).isFalse();
        }
        assertThat(probe(hostile, "/write?path=/tmp/scratch").getBoolean("ok")).isTrue();
    }

    @Test
    void tmpIsCappedInSize() {
        JsonObject fill = probe(hostile, "/fill?path=/tmp/big&mb=100");

        assertThat(fill.getBoolean("ok")).isFalse();
        assertThat(fill.getString("code")).isEqualTo("ENOSPC");
    }

    @Test
    void seesOnlyTheProcessesOfItsOwnSandbox() {
        assertThat(probe(hostile, "/procs").getJsonArray("pids").size()).isLessThanOrEqualTo(5);
    }

    @Test
    void runsAsItsOwnUnprivilegedHostUidWithNoCapabilities() {
        String status = probe(hostile, "/whoami").getString("status");

        assertThat(status).containsPattern("(?m)^CapEff:\\s+0+$").containsPattern("(?m)^CapPrm:\\s+0+$");
        assertThat(SandboxProcesses.uids(hostile)).isNotEmpty().allSatisfy(uid -> assertThat(uid).isGreaterThanOrEqualTo(200_000));
        assertThat(SandboxProcesses.uids(hostile)).doesNotContainAnyElementsOf(SandboxProcesses.uids(victim));
    }

    @Test
    void cannotReachSlipwayOrServicesOfTheHostOnLoopbackOrOnEveryAddress() throws IOException {
        try (ServerSocket onLoopback = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             ServerSocket onEveryAddress = new ServerSocket(0)) {
            int slipway = server.base().getPort();
            // The host end of the app's own link (.1 of its /30), where the proxy's connections come from.
            String own = ownAddress(hostile);
            String[] octets = own.split("\\.");
            String gateway = gatewayOf(own);
            List<String> targets = new ArrayList<>(List.of("127.0.0.1:" + slipway, "0.0.0.0:" + slipway, "127.0.0.1:" + onLoopback.getLocalPort(),
                    "127.0.0.1:" + onEveryAddress.getLocalPort(), "0.0.0.0:" + onEveryAddress.getLocalPort(), "::1:" + slipway,
                    gateway + ":" + slipway, gateway + ":" + onEveryAddress.getLocalPort(), hostAddress() + ":" + slipway));
            // Other sandboxes: the apps' addresses of the first slots of the subnet, the victim's among them.
            for (int slot = 0; slot < 8; slot++) {
                String neighbour = octets[0] + "." + octets[1] + ".0." + (slot * 4 + 2);
                if (!neighbour.equals(own)) targets.add(neighbour + ":8000");
            }
            for (String target : targets) {
                int colon = target.lastIndexOf(':');
                JsonObject result = probe(hostile, "/connect?host=" + encode(target.substring(0, colon)) + "&port=" + target.substring(colon + 1));
                assertThat(result.getBoolean("ok")).as("connect to %s", target).isFalse();
            }
        }
        assertThat(probe(hostile, "/connect?host=127.0.0.1&port=8000").getBoolean("ok")).as("its own port").isTrue();
    }

    /**
     * IPv6 must hold as IPv4 does. Each end of a sandbox's link would get a link-local address a second or two after
     * link-up (once duplicate-address detection is done), the host's predictable from its fixed MAC; so the test waits
     * until no address on either end is tentative, then dials every IPv6 address the app can learn or derive, and every
     * IPv6 address of the host, on Slipway's port, a host service on every address ({@code [::]}) and one on
     * {@code [::1]}, and the apps' port.
     */
    @Test
    void cannotReachSlipwayTheHostOrOtherAppsOverIpv6() throws IOException {
        try (ServerSocket onEveryAddress = new ServerSocket(0); // [::], both stacks
             ServerSocket onIpv6Loopback = new ServerSocket(0, 50, InetAddress.getByName("::1"))) {
            String hostEnd = hostInterfaceOf(ownAddress(hostile));
            await().atMost(Duration.ofSeconds(10)).until(() -> !tentativeOnHost(hostEnd)
                    && probe(hostile, "/ipv6").getJsonArray("addresses").stream().noneMatch(a -> ((JsonObject) a).getBoolean("tentative")));

            JsonObject facts = probe(hostile, "/ipv6");
            List<String> hosts = new ArrayList<>(facts.getJsonArray("derived").stream().map(String::valueOf).toList());
            hosts.addAll(hostIpv6Addresses());
            JsonArray targets = new JsonArray();
            for (String host : hosts) {
                for (int port : List.of(server.base().getPort(), onEveryAddress.getLocalPort(), onIpv6Loopback.getLocalPort(), 8000)) {
                    targets.add(new JsonObject().put("host", host).put("port", port));
                }
            }
            HttpResponse<String> dialled = server.send(HttpRequest.newBuilder(server.base().resolve("/containers/" + hostile + "/dial"))
                    .POST(HttpRequest.BodyPublishers.ofString(targets.encode())));
            assertThat(dialled.statusCode()).isEqualTo(200);
            JsonArray results = new JsonObject(dialled.body()).getJsonArray("results");
            assertThat(results).hasSize(targets.size());
            assertThat(results.stream().map(JsonObject.class::cast).filter(r -> r.getBoolean("ok")).map(JsonObject::encode).toList())
                    .as("IPv6 connections that succeeded").isEmpty();
            assertThat(facts.getJsonArray("addresses").stream().map(a -> ((JsonObject) a).getString("iface")))
                    .as("IPv6 addresses in the sandbox: %s", facts.getJsonArray("addresses")).allMatch("lo"::equals);
        }
    }

    /** The sandbox's own IPv4 address on its link (not loopback). */
    private static String ownAddress(String appId) {
        return probe(appId, "/addresses").getJsonArray("ipv4").stream().map(String::valueOf)
                .filter(a -> !a.startsWith("127.")).findFirst().orElseThrow();
    }

    /** The host's end of the link of the sandbox at {@code sandboxAddress}: the interface holding its /30's first address. */
    private static String hostInterfaceOf(String sandboxAddress) throws java.net.SocketException {
        String gateway = gatewayOf(sandboxAddress);
        return java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces()).stream()
                .filter(n -> java.util.Collections.list(n.getInetAddresses()).stream().anyMatch(a -> a.getHostAddress().equals(gateway)))
                .map(java.net.NetworkInterface::getName).findFirst().orElseThrow();
    }

    /** The host's end of a sandbox's /30: the address just below the sandbox's. */
    private static String gatewayOf(String sandboxAddress) {
        String[] octets = sandboxAddress.split("\\.");
        return octets[0] + "." + octets[1] + "." + octets[2] + "." + (Integer.parseInt(octets[3]) - 1);
    }

    /** Whether the host has an IPv6 address on {@code iface} that duplicate-address detection has not finished with. */
    private static boolean tentativeOnHost(String iface) throws IOException {
        return Files.readAllLines(Path.of("/proc/net/if_inet6")).stream().map(l -> l.trim().split("\\s+"))
                .anyMatch(f -> f.length >= 6 && f[5].equals(iface) && (Integer.parseInt(f[4], 16) & 0x40) != 0);
    }

    /** Every IPv6 address of the host, as a sandbox would write it (global ones bare, link-local ones on its eth0). */
    private static List<String> hostIpv6Addresses() throws java.net.SocketException {
        return java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces()).stream()
                .flatMap(n -> java.util.Collections.list(n.getInetAddresses()).stream())
                .filter(a -> a instanceof java.net.Inet6Address)
                .map(a -> a.getHostAddress().replaceFirst("%.*$", "") + (a.isLinkLocalAddress() ? "%eth0" : ""))
                .distinct().toList();
    }

    @Test
    void seesNothingOfSlipwayOrOtherApps() {
        assertThat(probe(hostile, "/read?path=/run/slipway").getBoolean("ok")).isFalse();
        assertThat(probe(hostile, "/read?path=" + encode(dataDir.resolve("apps/" + victim).toString())).getBoolean("ok")).isFalse();
        assertThat(probe(hostile, "/read?path=" + encode(dataDir.toString())).getBoolean("ok")).isFalse();
    }

    @Test
    void forkBombIsCappedAndEverythingElseKeepsAnswering() {
        JsonObject result = probe(hostile, "/fork?n=300");

        assertThat(result.getInteger("spawned")).isLessThan(128);
        assertThat(result.getInteger("failed")).isPositive();
        assertThat(server.get("/healthz", null).statusCode()).isEqualTo(200);
        assertThat(server.call(victim, "/").statusCode()).isEqualTo(200);
    }

    @Test
    void threeGibibyteAllocationIsKilledAsOutOfMemoryWhileAnotherAppKeepsAnswering() throws IOException {
        String hog = deployHostile();
        assertThat(server.call(hog, "/").statusCode()).isEqualTo(200);

        CompletableFuture<HttpResponse<String>> allocation = server.http().sendAsync(HttpRequest.newBuilder(
                server.base().resolve("/containers/" + hog + "/alloc?mb=3072")).build(), HttpResponse.BodyHandlers.ofString());
        while (!allocation.isDone()) assertThat(server.call(victim, "/").statusCode()).isEqualTo(200);

        assertThat(allocation.join().statusCode()).isEqualTo(502);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            JsonObject status = server.server(token, hog);
            assertThat(status.getString("status")).isEqualTo("failed");
            assertThat(status.getString("error")).startsWith("out-of-memory");
        });
        assertThat(Files.readString(dataDir.resolve("logs/" + hog + ".log"))).contains("out-of-memory");
        assertThat(server.call(hog, "/").statusCode()).as("the next request restarts it").isEqualTo(200);
    }

    @Test
    void cpuSpinnerIsThrottledAndAnotherAppsLatencyStaysBounded() throws IOException {
        List<Long> calm = latencies(40);
        String spinner = deployHostile();
        assertThat(probe(spinner, "/spin?ms=8000").getBoolean("ok")).isTrue();
        // Measure only once the spinners run flat out against their quota.
        await().atMost(Duration.ofSeconds(5)).until(() -> throttledPeriods(spinner) > 0);

        List<Long> busy = latencies(40);

        long calmP50 = percentile(calm, 50);
        long busyP50 = percentile(busy, 50);
        long busyMax = Collections.max(busy);
        System.out.printf("victim latency with a CPU spinner next door: p50 %d ms (calm %d ms), p95 %d ms, max %d ms%n",
                busyP50, calmP50, percentile(busy, 95), busyMax);
        assertThat(busyMax).isLessThan(250);
    }

    private static List<Long> latencies(int n) {
        List<Long> millis = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            assertThat(server.call(victim, "/").statusCode()).isEqualTo(200);
            millis.add((System.nanoTime() - t0) / 1_000_000);
        }
        return millis;
    }

    private static long percentile(List<Long> values, int p) {
        List<Long> sorted = values.stream().sorted().toList();
        return sorted.get(Math.min(sorted.size() - 1, sorted.size() * p / 100));
    }

    /** How often the kernel held the spinner back at its CPU quota (cgroup v1 {@code cpu.stat}). */
    private static long throttledPeriods(String appId) throws IOException {
        try (Stream<Path> groups = Files.list(Path.of("/sys/fs/cgroup/cpu"))) {
            Path stat = groups.map(g -> g.resolve(appId).resolve("cpu.stat")).filter(Files::exists).findFirst().orElseThrow();
            return Files.readAllLines(stat).stream().filter(l -> l.startsWith("nr_throttled "))
                    .mapToLong(l -> Long.parseLong(l.split(" ")[1])).sum();
        }
    }

    private static String deployHostile() {
        return server.deploy(token, "index.js", TestApps.source("hostile.js"), Map.of()).getString("id");
    }

    private static JsonObject probe(String appId, String path) {
        HttpResponse<String> response = server.call(appId, path);
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
        return new JsonObject(response.body());
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** The machine's own address on its network (not loopback, not a sandbox link). */
    private static String hostAddress() throws java.net.SocketException {
        return java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces()).stream()
                .filter(n -> !n.getName().startsWith("sw") && !n.getName().startsWith("sx"))
                .flatMap(n -> java.util.Collections.list(n.getInetAddresses()).stream())
                .filter(a -> a instanceof java.net.Inet4Address && !a.isLoopbackAddress() && !a.getHostAddress().startsWith("100."))
                .map(java.net.InetAddress::getHostAddress).findFirst().orElse("127.0.0.1");
    }
}
