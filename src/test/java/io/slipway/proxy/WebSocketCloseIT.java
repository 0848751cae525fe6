package io.slipway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.slipway.testing.NodeClient;
import io.slipway.testing.SlipwayServerExtension;
import io.slipway.testing.SlipwayServerExtension.DataDir;
import io.slipway.testing.SlipwayServerExtension.Token;
import io.slipway.testing.TestApps;
import io.slipway.testing.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The WebSocket close handshake (RFC 6455 §5.5.1, §7) through Slipway, driven by the {@code ws} npm package, the client
 * most Node users have, against an app on {@code ws} too. Each case runs twice: straight to the same app run bare with
 * node, which is what the client should see, and through {@code /containers/{id}/}.
 */
class WebSocketCloseIT {
    private static final String WS = "ws@8.18.3";
    /** Far under ws's own close timeout (30 s), after which it destroys a socket whose close never completed. */
    private static final Duration PROMPT = Duration.ofSeconds(1);
    private static final String CLIENT_SCRIPT = """
            // Drives one WebSocket with the ws package and prints a JSON line per event; "ms" counts from the moment the
            // close began (by this client, or by asking the app to), so a close that waits for ws's own timeout shows.
            //   URL client-close CODE REASON  sends "hi"; on its echo closes with CODE and REASON
            //   URL ask COMMAND...            sends COMMAND (to the app) and waits for what follows
            //   URL destroy                   sends "hi"; on its echo destroys its TCP socket, with no close frame
            import WebSocket from "ws";

            const [url, action, ...args] = process.argv.slice(2);
            let begun = performance.now();
            const print = (event) => console.log(JSON.stringify({ ...event, ms: Math.round(performance.now() - begun) }));
            const ws = new WebSocket(url);
            ws.on("open", () => {
              print({ event: "open", localPort: ws._socket.localPort });
              begun = performance.now();
              ws.send(action === "ask" ? args.join(" ") : "hi");
            });
            ws.on("message", (data) => {
              print({ event: "message", data: String(data) });
              begun = performance.now();
              if (action === "client-close") ws.close(Number(args[0]), args.slice(1).join(" "));
              else if (action === "destroy") ws._socket.destroy();
            });
            ws.on("close", (code, reason) => print({ event: "close", code, reason: String(reason) }));
            ws.on("error", (error) => print({ event: "error", message: error.message }));
            """;

    @RegisterExtension
    static final SlipwayServerExtension slipway = SlipwayServerExtension.withConfig(TestServer::fastLifecycle);
    @DataDir
    static Path dataDir;

    private static TestServer server;
    @Token("ws-close")
    private static String token;
    private static NodeClient client;
    private static final List<Process> bareApps = new CopyOnWriteArrayList<>();
    // HTTP/1.1: the JDK client would otherwise offer an h2c upgrade, which the app would take for a WebSocket one.
    private static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final Map<Route, Target> shared = new EnumMap<>(Route.class);

    /** Where the client connects: straight to the app run bare, or through Slipway. */
    enum Route { BARE, SLIPWAY }

    /** An app as the client reaches it: {@code ws} is its WebSocket URL without the path, {@code http} its HTTP one. */
    private record Target(String ws, String http) {
        /** What the app saw ({@code ws-commands.js}'s GET /state). */
        JsonObject state() throws IOException, InterruptedException {
            HttpResponse<String> response = WebSocketCloseIT.http.send(HttpRequest.newBuilder(URI.create(http + "/state"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            return new JsonObject(response.body());
        }

        int port() {
            return URI.create(http).getPort();
        }

        String path(String path) {
            return URI.create(http).getPath() + path;
        }
    }

    @BeforeAll
    static void installClientAndDeployApps() {
        client = NodeClient.install("ws-client", WS);
        client.write("ws-client.mjs", CLIENT_SCRIPT);
        client.write("ws-commands.js", TestApps.source("ws-commands.js"));
        client.write("ws-echo.js", TestApps.source("ws-echo.js"));
        for (Route route : Route.values()) shared.put(route, newApp(route, "ws-commands.js", Map.of()));
    }

    /** The bare apps are this class's own to stop; the extension stops Slipway after this. */
    @AfterAll
    static void stopBareApps() {
        bareApps.forEach(Process::destroyForcibly);
    }

    @ParameterizedTest
    @EnumSource(Route.class)
    void aCloseTheClientBeginsReachesTheAppAndTheAppsAnswerEndsBothConnectionsAtOnce(Route route) throws Exception {
        Target app = shared.get(route);
        List<JsonObject> events = runClient(app.ws() + "/", "client-close", "4000", "bye from the client");

        assertThat(events).extracting(e -> e.getString("data")).contains("echo:hi");
        JsonObject close = closeEvent(events);
        // ws reports the close frame it received: the app's answer (the app's ws answers with the client's code and reason).
        assertThat(close.getInteger("code")).isEqualTo(4000);
        assertThat(close.getString("reason")).isEqualTo("bye from the client");
        assertThat(close.getLong("ms")).as("ms from ws.close() to its 'close' event").isLessThan(PROMPT.toMillis());
        assertClosedEverywhere(route, app, openEvent(events), new JsonObject().put("code", 4000).put("reason", "bye from the client"));
    }

    @ParameterizedTest
    @EnumSource(Route.class)
    void aCloseTheAppBeginsReachesTheClientAndTheClientsAnswerEndsBothConnectionsAtOnce(Route route) throws Exception {
        Target app = shared.get(route);
        List<JsonObject> events = runClient(app.ws() + "/", "ask", "close", "4001", "bye from the app");

        JsonObject close = closeEvent(events);
        assertThat(close.getInteger("code")).isEqualTo(4001);
        assertThat(close.getString("reason")).isEqualTo("bye from the app");
        assertThat(close.getLong("ms")).as("ms from asking the app to close to the client's 'close' event").isLessThan(PROMPT.toMillis());
        // The app's ws reports the close frame it received in answer: the client's, echoing the app's code and reason.
        assertClosedEverywhere(route, app, openEvent(events), new JsonObject().put("code", 4001).put("reason", "bye from the app"));
    }

    @ParameterizedTest
    @EnumSource(Route.class)
    void aClientThatDropsItsConnectionWithoutACloseFrameEndsTheAppsSocket(Route route) throws Exception {
        Target app = shared.get(route);
        List<JsonObject> events = runClient(app.ws() + "/", "destroy");

        assertThat(closeEvent(events).getInteger("code")).as("abnormal closure, as ws calls it").isEqualTo(1006);
        assertClosedEverywhere(route, app, openEvent(events), new JsonObject().put("code", 1006).put("reason", ""));
    }

    @ParameterizedTest
    @EnumSource(Route.class)
    void anAppThatDropsItsSocketEndsTheClientsConnectionAtOnce(Route route) throws Exception {
        Target app = shared.get(route);
        List<JsonObject> events = runClient(app.ws() + "/", "ask", "terminate");

        JsonObject close = closeEvent(events);
        assertThat(close.getInteger("code")).isEqualTo(1006);
        assertThat(close.getLong("ms")).isLessThan(PROMPT.toMillis());
        assertClosedEverywhere(route, app, openEvent(events), new JsonObject().put("code", 1006).put("reason", ""));
    }

    @ParameterizedTest
    @EnumSource(Route.class)
    void anAppProcessKilledMidConnectionEndsTheClientsConnectionAtOnce(Route route) {
        // An app of its own: this one dies.
        List<JsonObject> events = runClient(newApp(route, "ws-commands.js", Map.of()).ws() + "/", "ask", "kill");

        JsonObject close = closeEvent(events);
        assertThat(close.getInteger("code")).isEqualTo(1006);
        assertThat(close.getLong("ms")).isLessThan(PROMPT.toMillis());
        if (route == Route.SLIPWAY) assertThat(slipwayHoldsConnectionFrom(openEvent(events).getInteger("localPort"))).isFalse();
    }

    /**
     * A sandbox killed whole (every process at once, as an operator or a crash of the machine's own would) may leave its
     * connections without a FIN: the client's WebSocket still ends at once, because Slipway sees the app exit.
     */
    @Test
    void aSandboxKilledWholeEndsTheClientsConnectionAtOnce() throws Exception {
        String appId = deploy("ws-commands.js", Map.of());
        Target app = throughSlipway(appId);
        var clientRun = java.util.concurrent.CompletableFuture.supplyAsync(() -> runClient(app.ws() + "/", "ask", "hold on"));
        await().atMost(Duration.ofSeconds(10)).until(() -> app.state().getInteger("upgraded") == 1);

        io.slipway.testing.SandboxProcesses.kill(appId);
        long killed = System.nanoTime();
        List<JsonObject> events = clientRun.get(40, java.util.concurrent.TimeUnit.SECONDS);

        assertThat(closeEvent(events).getInteger("code")).isEqualTo(1006);
        assertThat(Duration.ofNanos(System.nanoTime() - killed)).as("from the kill to the client's close").isLessThan(Duration.ofSeconds(5));
    }

    @ParameterizedTest
    @EnumSource(Route.class)
    void aClientThatHangsUpBeforeTheAppAcceptsLeavesNoConnectionToTheAppOpen(Route route) throws Exception {
        // An app of its own, so that a socket left open fails this case only.
        Target app = newApp(route, "ws-commands.js", Map.of());
        try (Socket socket = new Socket("127.0.0.1", app.port())) {
            socket.getOutputStream().write(("GET " + app.path("/slow?ms=1000") + " HTTP/1.1\r\nHost: localhost\r\n"
                    + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            await().atMost(Duration.ofSeconds(5)).until(() -> app.state().getInteger("upgraded") == 1);
        }

        // The app takes the upgrade a second after it came, its client long gone.
        await().atMost(Duration.ofSeconds(5)).until(() -> app.state().getInteger("upgraded") == 0);
    }

    @Test
    void theWsEchoAppClosesAtOnceThroughSlipwayAsItDoesBare() {
        for (Route route : Route.values()) {
            String url = newApp(route, "ws-echo.js", Map.of()).ws() + "/ws";
            List<JsonObject> events = runClient(url, "client-close", "1000", "done");
            JsonObject close = closeEvent(events);
            assertThat(close.getInteger("code")).as(url).isEqualTo(1000);
            assertThat(close.getString("reason")).as(url).isEqualTo("done");
            assertThat(close.getLong("ms")).as(url).isLessThan(PROMPT.toMillis());
        }
    }

    @Test
    void anAppWhoseWebSocketClosedGoesToSleepAfterItsSleepAfter() {
        String sleepy = deploy("ws-commands.js", Map.of("sleepAfter", "2s"));

        runClient(throughSlipway(sleepy).ws() + "/", "client-close", "1000", "done");

        await().atMost(Duration.ofSeconds(15)).until(() -> "sleeping".equals(server.server(token, sleepy).getString("status")));
    }

    /**
     * Both TCP connections ended: the app's socket is closed and it saw {@code appSaw} as the close, and Slipway holds
     * no connection from the client's port.
     */
    private static void assertClosedEverywhere(Route route, Target app, JsonObject open, JsonObject appSaw) {
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            JsonObject state = app.state();
            assertThat(state.getInteger("upgraded")).as("the app's upgraded sockets still open").isZero();
            JsonArray closes = state.getJsonArray("closes");
            assertThat(closes).as("the closes the app saw").isNotEmpty();
            assertThat(closes.getJsonObject(closes.size() - 1)).isEqualTo(appSaw);
        });
        if (route == Route.SLIPWAY) assertThat(slipwayHoldsConnectionFrom(open.getInteger("localPort"))).isFalse();
    }

    private static List<JsonObject> runClient(String url, String... args) {
        List<String> command = new ArrayList<>(List.of(url));
        command.addAll(List.of(args));
        // Longer than ws's 30 s close timeout, so that a close that waits for it fails on its timing, not here.
        NodeClient.Run run = client.run(Duration.ofSeconds(45), "ws-client.mjs", command.toArray(String[]::new));
        assertThat(run.exitCode()).as("ws client exit; stderr: %s", run.stderr()).isZero();
        return run.stdout().lines().filter(line -> line.startsWith("{")).map(JsonObject::new).toList();
    }

    private static JsonObject closeEvent(List<JsonObject> events) {
        return event(events, "close");
    }

    private static JsonObject openEvent(List<JsonObject> events) {
        return event(events, "open");
    }

    private static JsonObject event(List<JsonObject> events, String name) {
        return events.stream().filter(e -> name.equals(e.getString("event"))).findFirst()
                .orElseThrow(() -> new AssertionError("no " + name + " event in " + events));
    }

    /**
     * Whether this JVM (Slipway runs in it) still has the server end of a TCP connection from {@code clientPort} open:
     * established, or closed by the client but not by Slipway (CLOSE_WAIT). TIME_WAIT and FIN_WAIT are ended sockets.
     */
    private static boolean slipwayHoldsConnectionFrom(int clientPort) {
        String local = String.format(Locale.ROOT, ":%04X", server.base().getPort());
        String remote = String.format(Locale.ROOT, ":%04X", clientPort);
        try {
            for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
                for (String line : Files.readAllLines(Path.of(table))) {
                    String[] fields = line.trim().split("\\s+");
                    if (fields.length > 3 && fields[1].endsWith(local) && fields[2].endsWith(remote)
                            && (fields[3].equals("01") || fields[3].equals("08"))) return true;
                }
            }
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A new app running {@code source}: deployed to Slipway, or run bare with node. */
    private static Target newApp(Route route, String source, Map<String, String> fields) {
        return switch (route) {
            case BARE -> startBare(source);
            case SLIPWAY -> throughSlipway(deploy(source, fields));
        };
    }

    private static Target throughSlipway(String appId) {
        String base = "127.0.0.1:" + server.base().getPort() + "/containers/" + appId;
        return new Target("ws://" + base, "http://" + base);
    }

    private static String deploy(String source, Map<String, String> fields) {
        Map<String, String> all = new HashMap<>(fields);
        all.put("requirements", WS);
        String id = server.deploy(token, "index.js", TestApps.source(source), all).getString("id");
        await().atMost(Duration.ofSeconds(60)).until(() -> server.call(id, "/").statusCode(), status -> status == 200);
        return id;
    }

    /** Runs {@code source} from the client's directory, where it finds ws, as Slipway would run it: PORT and HOST set. */
    private static Target startBare(String source) {
        int port = freePort();
        bareApps.add(client.start(Map.of("PORT", String.valueOf(port), "HOST", "127.0.0.1"), dataDir.resolve("bare-" + port + ".log"), source));
        Target app = new Target("ws://127.0.0.1:" + port, "http://127.0.0.1:" + port);
        HttpRequest probe = HttpRequest.newBuilder(URI.create(app.http() + "/")).timeout(Duration.ofSeconds(2)).build();
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
                .until(() -> http.send(probe, HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
        return app;
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
