package io.slipway.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import io.slipway.config.DataSize;
import io.slipway.logs.FileLogSink;
import io.slipway.runtime.Artifact;
import io.slipway.runtime.NetworkPolicy;
import io.slipway.runtime.Sandbox;
import io.slipway.runtime.SandboxExit;
import io.slipway.runtime.SandboxLimits;
import io.slipway.runtime.SandboxSpec;
import io.slipway.config.SlipwayConfig;
import io.slipway.config.SlipwayConfig.SandboxSettings;
import io.slipway.testing.PodmanEngine;
import io.slipway.testing.TestHost;
import io.slipway.testing.TestArtifacts;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The docker runtime against a real engine: podman's Docker-compatible service, started for these tests alone. */
class DockerSandboxRuntimeIT {
    private static final SandboxLimits LIMITS = new SandboxLimits(DataSize.parse("128MiB"), 32, 0.5);
    private static final Duration STARTED = Duration.ofSeconds(30);
    private static PodmanEngine engine;
    private static DockerClient docker;

    @TempDir
    Path dataDir;
    private DockerSandboxRuntime runtime;
    private final List<Sandbox> started = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @BeforeAll
    static void startEngine() {
        engine = PodmanEngine.start();
        var config = DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost(engine.host().toString()).build();
        docker = DockerClientImpl.getInstance(config, new ApacheDockerHttpClient.Builder().dockerHost(config.getDockerHost()).build());
    }

    @AfterAll
    static void stopEngine() throws IOException {
        if (docker != null) docker.close();
        if (engine != null) engine.close();
    }

    @BeforeEach
    void createRuntime() {
        runtime = DockerRuntimes.create(engine, dataDir);
    }

    /** Every test leaves no container of its Slipway in the engine, and no firewall chain of its label on the host. */
    @AfterEach
    void stopEverything() throws IOException, InterruptedException {
        for (Sandbox sandbox : started) sandbox.stop(Duration.ZERO);
        runtime.close();
        String label = io.slipway.sandbox.SandboxLabel.of(dataDir);
        assertThat(docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(DockerSandboxRuntime.OWNER_LABEL, label)).exec())
                .as("containers left").isEmpty();
        for (String tool : List.of("iptables-save", "ip6tables-save")) {
            Process rules = new ProcessBuilder(tool).redirectErrorStream(true).start();
            String saved = new String(rules.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            rules.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(saved).as("firewall chains left (%s)", tool).doesNotContain("-" + label);
        }
    }

    @Test
    void aNodeAppAnswersOnItsAddress() throws Exception {
        Sandbox sandbox = start("hello", "hello.js", Map.of("GREETING", "hi"));

        JsonObject answer = new JsonObject(awaitAnswer(sandbox, "/"));
        assertThat(answer.getString("app")).isEqualTo("hello-js");
        assertThat(answer.getString("greeting")).isEqualTo("hi");
        assertThat(answer.getString("nodeEnv")).isEqualTo("production");
        assertThat(runtime.check().problems()).isEmpty();
    }

    @Test
    void aPythonAppAnswersOnItsAddress() throws Exception {
        Sandbox sandbox = start("hellopy", "hello.py", Map.of());

        assertThat(new JsonObject(awaitAnswer(sandbox, "/x")).getString("path")).isEqualTo("/x");
    }

    @Test
    void aPythonAppRunsInTheVenvMadeOnTheHost() throws Exception {
        Artifact artifact = TestArtifacts.withVenv(dataDir, "venv", "forks.py");
        Sandbox sandbox = start(spec("venv", artifact, Map.of(), LIMITS));

        JsonObject answer = new JsonObject(awaitAnswer(sandbox, "/"));
        assertThat(answer.getString("prefix")).isEqualTo("/app/venv");
        assertThat(answer.getInteger("uid")).isEqualTo(BaseImages.APP_UID);
    }

    @Test
    void aMemoryHogIsKilledAsOutOfMemory() {
        Sandbox sandbox = start("hog", "dies.js", Map.of());
        awaitAnswer(sandbox, "/");

        sendQuietly(sandbox, "/oom");
        SandboxExit exit = sandbox.exited().orTimeout(30, java.util.concurrent.TimeUnit.SECONDS).join();
        assertThat(exit.outOfMemory()).as("exit %s", exit).isTrue();
        assertThat(exit.exitCode()).isEqualTo(137);
    }

    @Test
    void aForkBombIsCappedByThePidsLimit() {
        Sandbox sandbox = start("forks", "forks.py", Map.of());
        awaitAnswer(sandbox, "/");

        JsonObject bomb = new JsonObject(awaitAnswer(sandbox, "/fork?n=500"));
        assertThat(bomb.getInteger("forked")).isLessThan(LIMITS.pids());
        assertThat(bomb.getString("refused")).isNotNull();
        assertThat(new JsonObject(awaitAnswer(sandbox, "/")).getString("app")).as("still answering").isEqualTo("forks");
    }

    @Test
    void stopAsksWithSigtermFirst() throws IOException {
        Sandbox sandbox = start("graceful", "graceful.js", Map.of());
        awaitAnswer(sandbox, "/");

        SandboxExit exit = sandbox.stop(Duration.ofSeconds(10));
        assertThat(exit).isEqualTo(new SandboxExit(0, false));
        assertThat(Files.readString(log("graceful"))).contains("[app] SIGTERM received, shutting down");
    }

    @Test
    void stopKillsAnAppThatIgnoresSigtermAfterTheGrace() throws IOException {
        Sandbox sandbox = start("stubborn", "stubborn.js", Map.of());
        awaitAnswer(sandbox, "/");

        long begun = System.nanoTime();
        SandboxExit exit = sandbox.stop(Duration.ofMillis(1500));
        assertThat(Duration.ofNanos(System.nanoTime() - begun)).isGreaterThanOrEqualTo(Duration.ofMillis(1500));
        assertThat(exit).as("killed by Slipway, not for its memory").isEqualTo(new SandboxExit(137, false));
        assertThat(Files.readString(log("stubborn"))).contains("[app] SIGTERM received, ignoring it");
    }

    @Test
    void theContainerCarriesTheAppsLabelAndLimitsAndIsGoneAfterStop() {
        Sandbox sandbox = start("labelled", "hello.js", Map.of());
        awaitAnswer(sandbox, "/");

        List<com.github.dockerjava.api.model.Container> containers = containersOf("labelled");
        assertThat(containers).hasSize(1);
        InspectContainerResponse inspected = docker.inspectContainerCmd(containers.getFirst().getId()).exec();
        assertThat(inspected.getConfig().getLabels()).containsEntry(SandboxSpec.APP_LABEL, "labelled")
                .containsEntry(DockerSandboxRuntime.OWNER_LABEL, io.slipway.sandbox.SandboxLabel.of(dataDir));
        var host = inspected.getHostConfig();
        assertThat(host.getMemory()).isEqualTo(LIMITS.memory().bytes());
        assertThat(host.getMemorySwap()).as("no swap beyond the memory limit").isEqualTo(LIMITS.memory().bytes());
        assertThat(host.getPidsLimit()).isEqualTo(LIMITS.pids());
        assertThat(host.getNanoCPUs()).isEqualTo(500_000_000L);
        assertThat(host.getReadonlyRootfs()).isTrue();
        assertThat(inspected.getConfig().getUser()).isEqualTo(BaseImages.APP_UID + ":" + BaseImages.APP_UID);

        sandbox.stop(Duration.ofSeconds(5));
        assertThat(containersOf("labelled")).as("no container left after stop").isEmpty();
    }

    @Test
    void adoptOrReapRemovesTheContainersAnEarlierRunLeftAndNoOtherSlipwaysOnes(@TempDir Path otherDataDir) {
        Sandbox left = runtime.start(spec("left", TestArtifacts.of(dataDir, "left", "hello.js"), Map.of(), LIMITS));
        awaitAnswer(left, "/");
        runtime.close(); // a crash: the container outlives its runtime
        DockerSandboxRuntime other = DockerRuntimes.create(engine, otherDataDir);
        Sandbox stranger = other.start(new SandboxSpec("stranger", TestArtifacts.of(otherDataDir, "stranger", "hello.js"), Map.of(), LIMITS,
                NetworkPolicy.ISOLATED, Map.of(), new FileLogSink(otherDataDir.resolve("stranger.log"), 1 << 20, "stranger")));
        try {
            runtime = DockerRuntimes.create(engine, dataDir);
            assertThat(runtime.adoptOrReap(Set.of("left")).reaped()).isEqualTo(1);

            assertThat(containersOf("left")).isEmpty();
            assertThat(containersOf("stranger")).as("another Slipway's container").hasSize(1);
        } finally {
            stranger.stop(Duration.ZERO);
            other.close();
        }
    }

    @Test
    void theAppsOutputArrivesInItsLogInOrder() throws IOException {
        Sandbox sandbox = start("numbered", "numbered.js", Map.of());
        awaitAnswer(sandbox, "/lines?count=0");

        assertThat(awaitAnswer(sandbox, "/lines?count=5000")).isEqualTo("5000");
        sandbox.stop(Duration.ofSeconds(5));
        List<Integer> numbers = Files.readAllLines(log("numbered")).stream().filter(l -> l.contains("[app] line "))
                .map(l -> Integer.parseInt(l.replaceAll(".*\\[app\\] line (\\d+) .*", "$1"))).toList();
        assertThat(numbers).hasSize(5000).isSorted().startsWith(1).endsWith(5000);
    }

    /**
     * From inside a container: every address of the host, IPv4 and IPv6 (link-local ones on the container's eth0, and
     * those derived from the links' fixed MACs), on a port the test listens on at 0.0.0.0 and one at [::]; the host's end
     * of the container's own link; and another app's container. None answers. The container itself has no IPv6 address
     * but its loopback's.
     */
    @Test
    void anAppReachesNeitherTheHostNorAnotherAppOverIpv4OrIpv6() throws IOException {
        Sandbox victim = start("victim", "hello.js", Map.of());
        Sandbox hostile = start("hostile", "hostile.js", Map.of());
        awaitAnswer(victim, "/");
        awaitAnswer(hostile, "/");
        try (ServerSocket ipv4 = new ServerSocket(0, 50, InetAddress.getByName("0.0.0.0"));
             ServerSocket everyAddress = new ServerSocket(0, 50, InetAddress.getByName("::"))) {
            JsonObject ipv6 = new JsonObject(awaitAnswer(hostile, "/ipv6"));
            List<String> hosts = new ArrayList<>(hostAddresses());
            ipv6.getJsonArray("derived").forEach(a -> hosts.add(String.valueOf(a)));
            String own = ((InetSocketAddress) hostile.address()).getAddress().getHostAddress();
            String[] octets = own.split("\\.");
            hosts.add(octets[0] + "." + octets[1] + "." + octets[2] + "." + (Integer.parseInt(octets[3]) - 1)); // its link's host end
            JsonArray targets = new JsonArray();
            for (String host : hosts) {
                for (int port : List.of(ipv4.getLocalPort(), everyAddress.getLocalPort())) targets.add(new JsonObject().put("host", host).put("port", port));
            }
            InetSocketAddress other = (InetSocketAddress) victim.address();
            targets.add(new JsonObject().put("host", other.getAddress().getHostAddress()).put("port", other.getPort()));
            targets.add(new JsonObject().put("host", "127.0.0.1").put("port", 8000)); // its own port: the dialling works

            HttpResponse<String> dialled = http.send(HttpRequest.newBuilder(uri(hostile, "/dial")).timeout(Duration.ofSeconds(30))
                    .POST(HttpRequest.BodyPublishers.ofString(targets.encode())).build(), HttpResponse.BodyHandlers.ofString());
            JsonArray results = new JsonObject(dialled.body()).getJsonArray("results");
            assertThat(results).hasSize(targets.size());
            assertThat(results.stream().map(JsonObject.class::cast).filter(r -> r.getBoolean("ok")).map(r -> r.getString("host") + ":" + r.getInteger("port")).toList())
                    .as("connections from inside the container that succeeded").containsExactly("127.0.0.1:8000");
            assertThat(ipv6.getJsonArray("addresses").stream().map(a -> ((JsonObject) a).getString("iface")))
                    .as("IPv6 addresses in the container: %s", ipv6.getJsonArray("addresses")).allMatch("lo"::equals);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * With egress on (sandbox.egress=nat), an app allowed the internet reaches a host outside the machine's networks (a
     * test host in a namespace of its own, at a documentation address) and resolves names as the host does, and still
     * reaches neither a private range nor the host; an app without it reaches nothing.
     */
    @Test
    void onlyAnAppAllowedTheInternetReachesIt(@TempDir Path webRoot) throws IOException {
        runtime.close();
        runtime = DockerRuntimes.create(engine, dataDir, SlipwayConfig.defaults(dataDir).sandbox().withEgress(SandboxSettings.Egress.NAT, ""));
        assertThat(runtime.capabilities().internetEgress()).isTrue();
        try (TestHost outside = TestHost.start(webRoot); ServerSocket onHost = new ServerSocket(0)) {
            Sandbox online = start(new SandboxSpec("online", TestArtifacts.of(dataDir, "online", "hostile.js"), Map.of(), LIMITS,
                    NetworkPolicy.INTERNET, Map.of(), new FileLogSink(log("online"), 1 << 20, "online")));
            Sandbox offline = start("offline", "hostile.js", Map.of());
            awaitAnswer(online, "/");
            awaitAnswer(offline, "/");

            String outsideHost = "/connect?host=" + TestHost.PUBLIC_ADDRESS + "&port=" + TestHost.PORT;
            assertThat(new JsonObject(awaitAnswer(online, outsideHost)).getBoolean("ok")).isTrue();
            assertThat(new JsonObject(awaitAnswer(online, "/read?path=/etc/resolv.conf")).getInteger("bytes")).isPositive();
            assertThat(new JsonObject(awaitAnswer(online, "/connect?host=" + TestHost.PRIVATE_ADDRESS + "&port=" + TestHost.PORT)).getBoolean("ok"))
                    .as("a private range").isFalse();
            assertThat(new JsonObject(awaitAnswer(online, "/connect?host=" + TestHost.HOST_SIDE_ADDRESS + "&port=" + onHost.getLocalPort()))
                    .getBoolean("ok")).as("the host").isFalse();
            JsonObject unreachable = new JsonObject(awaitAnswer(offline, outsideHost));
            assertThat(unreachable.getBoolean("ok")).isFalse();
            assertThat(unreachable.getString("code")).isEqualTo("ENETUNREACH");
        }
    }

    private Sandbox start(String appId, String app, Map<String, String> env) {
        return start(spec(appId, TestArtifacts.of(dataDir, appId, app), env, LIMITS));
    }

    private Sandbox start(SandboxSpec spec) {
        Sandbox sandbox = runtime.start(spec);
        started.add(sandbox);
        return sandbox;
    }

    private SandboxSpec spec(String appId, Artifact artifact, Map<String, String> env, SandboxLimits limits) {
        return new SandboxSpec(appId, artifact, env, limits, NetworkPolicy.ISOLATED, Map.of(),
                new FileLogSink(log(appId), 16 << 20, appId));
    }

    private Path log(String appId) {
        try {
            return Files.createDirectories(dataDir.resolve("logs")).resolve(appId + ".log");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private String awaitAnswer(Sandbox sandbox, String path) {
        URI uri = uri(sandbox, path);
        return await().atMost(STARTED).pollInterval(Duration.ofMillis(20)).ignoreExceptions().until(() -> {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? response.body() : null;
        }, body -> body != null);
    }

    /** Every address of this host, as an app would dial it: IPv6 link-local ones on its own eth0. */
    private static List<String> hostAddresses() throws java.net.SocketException {
        return Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
                .flatMap(n -> Collections.list(n.getInetAddresses()).stream())
                .map(a -> a instanceof Inet6Address && a.isLinkLocalAddress() ? a.getHostAddress().replaceFirst("%.*$", "") + "%eth0"
                        : a.getHostAddress().replaceFirst("%.*$", ""))
                .distinct().toList();
    }

    /** Sends a request whose answer never comes (the app dies of it). */
    private void sendQuietly(Sandbox sandbox, String path) {
        http.sendAsync(HttpRequest.newBuilder(uri(sandbox, path)).build(), HttpResponse.BodyHandlers.discarding());
    }

    private static List<com.github.dockerjava.api.model.Container> containersOf(String appId) {
        return docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(SandboxSpec.APP_LABEL, appId)).exec();
    }

    private static URI uri(Sandbox sandbox, String path) {
        InetSocketAddress address = (InetSocketAddress) sandbox.address();
        return URI.create("http://" + address.getAddress().getHostAddress() + ":" + address.getPort() + path);
    }
}
