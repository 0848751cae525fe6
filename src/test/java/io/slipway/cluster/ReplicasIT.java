package io.slipway.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.slipway.auth.SigningSecret;
import io.slipway.testing.Curl;
import io.slipway.testing.NodeClient;
import io.slipway.testing.SlipwayCli;
import io.slipway.testing.TestApps;
import io.slipway.testing.TestDatabase;
import io.slipway.testing.TestServer;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two replicas of Slipway, each with a data dir of its own, on one real (embedded) PostgreSQL database (DESIGN §5,
 * "Several replicas"): what they share through it. The local token secret, so that a token either replica or
 * {@code ./slipway token} signs, both accept; the apps, which either lists and describes; and the data plane: a request
 * through either reaches the one process that runs the app, on the replica holding its lease, which is also the one
 * that wakes it.
 */
class ReplicasIT {
    @TempDir
    static Path work;
    static String databaseUrl;
    static TestServer a;
    static TestServer b;

    @BeforeAll
    static void startTwoReplicasOnOneDatabase() throws Exception {
        TestServer.openForSandboxes(work);
        databaseUrl = TestDatabase.freshPostgresUrl();
        a = TestServer.start(TestServer.config(Files.createDirectories(work.resolve("a"))).withDatabaseUrl(databaseUrl));
        b = TestServer.start(TestServer.config(Files.createDirectories(work.resolve("b"))).withDatabaseUrl(databaseUrl));
    }

    @AfterAll
    static void stop() {
        if (b != null) b.close();
        if (a != null) a.close();
    }

    @Test
    void aTokenEitherReplicaOrTheCommandLineSignsIsAcceptedByBoth() throws Exception {
        for (String token : List.of(a.token("alice"), b.token("bob"))) {
            assertThat(a.get("/api/mcp-projects", token).statusCode()).isEqualTo(200);
            assertThat(b.get("/api/mcp-projects", token).statusCode()).isEqualTo(200);
        }
        assertThat(Files.readString(SigningSecret.file(work.resolve("b")))).as("each data dir keeps the shared secret")
                .isEqualTo(Files.readString(SigningSecret.file(work.resolve("a"))));

        Path third = Files.createDirectories(work.resolve("cli-data"));
        SlipwayCli.Run run = SlipwayCli.run(work, Map.of("SLIPWAY_DATABASE_URL", databaseUrl, "SLIPWAY_DATA", third.toString()),
                "token", "--user", "carol");

        assertThat(run.exit()).as(run.stderr()).isZero();
        assertThat(run.stdout().lines()).as("only the token, for TOKEN=$(./slipway token …)").hasSize(1);
        assertThat(run.stderr()).contains("signed with the secret the replicas share through the database")
                .doesNotContain(TestDatabase.ROLE + ":" + TestDatabase.ROLE + "@");
        assertThat(a.get("/api/mcp-projects", run.lastLine()).statusCode()).isEqualTo(200);
        assertThat(b.get("/api/mcp-projects", run.lastLine()).statusCode()).isEqualTo(200);
    }

    @Test
    void anAppDeployedThroughOneReplicaAnswersThroughTheOtherFromTheOneProcessThatRunsIt() {
        String erin = a.token("erin");
        String id = a.deploy(erin, "index.js", TestApps.source("counter.js"), Map.of("private", "true")).getString("id");
        URI throughB = b.base().resolve("/containers/" + id + "/echo?x=1");
        int before = seen(a, id, erin);

        HttpResponse<String> posted = b.send(HttpRequest.newBuilder(throughB).header("Authorization", "Bearer " + erin)
                .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString("hello through b")));
        assertThat(posted.statusCode()).as(posted.body()).isEqualTo(200);
        JsonObject echoed = new JsonObject(posted.body());
        assertThat(echoed.getString("body")).isEqualTo("hello through b");
        assertThat(echoed.getString("url")).isEqualTo("/echo?x=1");
        assertThat(echoed.getJsonObject("headers").getString("authorization")).as("Slipway's credentials stop at the holder").isNull();
        assertThat(echoed.getJsonObject("headers").getString("x-slipway-replica")).as("nor is the app told of the relay").isNull();
        assertThat(a.send(HttpRequest.newBuilder(a.base().resolve("/containers/" + id + "/again")).header("Authorization", "Bearer " + erin))
                .statusCode()).isEqualTo(200);
        assertThat(b.send(HttpRequest.newBuilder(throughB)).statusCode()).as("a private app, relayed or not").isEqualTo(401);

        assertThat(seen(b, id, erin) - before).as("one process saw both, and the refused one never").isEqualTo(2);
        assertThat(Files.exists(work.resolve("b/logs/" + id + ".log"))).as("it never ran on b").isFalse();
    }

    @Test
    void anAppThatSleptOnOneReplicaIsWokenThereByARequestThroughTheOther() {
        String fay = a.token("fay");
        String id = a.deploy(fay, "index.js", TestApps.source("counter.js"), Map.of("sleepAfter", "1s")).getString("id");
        assertThat(a.call(id, "/first").statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(30)).until(() -> "sleeping".equals(b.server(fay, id).getString("status")));

        HttpResponse<String> woken = b.call(id, "/count");

        assertThat(woken.statusCode()).as(woken.body()).isEqualTo(200);
        assertThat(a.appLog(id).lines().filter(line -> line.endsWith("[slipway] starting"))).as("started on a at deploy and again now")
                .hasSize(2);
        assertThat(Files.exists(work.resolve("b/logs/" + id + ".log"))).as("b has not its build").isFalse();
    }

    /**
     * With curl's {@code --http1.0}: an HTTP/1.0 request through the replica that does not run the app is relayed to
     * the one that does, and an answer streamed there in chunks reaches the client whole, its end the connection's.
     */
    @Test
    void anHttp10RequestThroughTheOtherReplicaIsRelayedAndItsChunkedAnswerArrivesWhole() {
        String jo = a.token("jo");
        String id = a.deploy(jo, "index.js", TestApps.source("edges.js"), Map.of()).getString("id");
        assertThat(a.call(id, "/count").statusCode()).isEqualTo(200);
        String throughB = "http://127.0.0.1:" + b.base().getPort() + "/containers/" + id;

        Curl.Result streamed = Curl.run("--http1.0", throughB + "/chunked");
        Curl.Result posted = Curl.run("--http1.0", "--data-binary", "hello from 1.0", throughB + "/count");

        assertThat(streamed.exitCode()).as(streamed.stderr()).isZero();
        assertThat(streamed.status()).isEqualTo(200);
        assertThat(streamed.body()).isEqualTo("part1;part2;part3;");
        assertThat(streamed.header("transfer-encoding")).as("no chunks for an HTTP/1.0 client").isNull();
        assertThat(posted.status()).as(posted.body()).isEqualTo(200);
        assertThat(posted.json().getInteger("bytes")).isEqualTo("hello from 1.0".length());
        assertThat(Files.exists(work.resolve("b/logs/" + id + ".log"))).as("it never ran on b").isFalse();
    }

    /** How many requests the counter app has seen, asked through {@code replica}. */
    static int seen(TestServer replica, String id, String token) {
        HttpResponse<String> count = replica.send(HttpRequest.newBuilder(replica.base().resolve("/containers/" + id + "/count"))
                .header("Authorization", "Bearer " + token));
        assertThat(count.statusCode()).as(count.body()).isEqualTo(200);
        return new JsonObject(count.body()).getInteger("seen");
    }

    @Test
    void aRedeployThroughTheReplicaThatDoesNotRunTheAppIsDoneWhereItRunsAndItsLogReadThere() {
        String hal = a.token("hal");
        String id = a.deploy(hal, "index.js", TestApps.source("versioned.js"), Map.of("env", "{\"VERSION\":\"1\"}")).getString("id");
        assertThat(new JsonObject(b.call(id, "/").body()).getString("version")).isEqualTo("1");

        HttpResponse<String> redeployed = b.redeploy(hal, id, new io.slipway.testing.Multipart()
                .file("index.js", TestApps.source("versioned.js") + "\n// two\n").field("env", "{\"VERSION\":\"2\"}"));

        assertThat(redeployed.statusCode()).as(redeployed.body()).isEqualTo(200);
        JsonObject throughB = new JsonObject(b.call(id, "/").body());
        JsonObject throughA = new JsonObject(a.call(id, "/").body());
        assertThat(throughB.getString("version")).isEqualTo("2");
        assertThat(throughA.getString("instance")).as("one process, a's").isEqualTo(throughB.getString("instance"));
        assertThat(Files.exists(work.resolve("b/logs/" + id + ".log"))).as("built and run on a alone").isFalse();
        HttpResponse<String> log = b.get("/api/containers/servers/" + id + "/logs", hal);
        assertThat(log.statusCode()).isEqualTo(200);
        assertThat(log.body()).as("a's log, read through b").contains("[slipway] redeployed");
    }

    @Test
    void anAppDeployedThroughOneReplicaIsListedAndDescribedByTheOther() {
        String dana = a.token("dana");
        String id = a.deploy(dana, "index.js", TestApps.source("hello.js"), Map.of("name", "shared")).getString("id");

        JsonObject listed = new JsonObject(b.get("/api/mcp-projects", dana).body());
        assertThat(listed.getJsonArray("projects").stream().map(p -> ((JsonObject) p).getString("id")).toList()).containsExactly(id);
        JsonObject described = b.server(dana, id);
        assertThat(described.getString("name")).isEqualTo("shared");
        assertThat(described.getString("status")).as("the status replica A stored").isEqualTo("running");
    }

    /**
     * With the {@code ws} npm package, as Node users connect: an upgrade through the replica that does not run the app is
     * tunnelled to the one that does; messages pass both ways and a close the client begins completes promptly.
     */
    @Test
    void aWebSocketThroughTheReplicaThatDoesNotRunTheAppReachesItAndClosesPromptly() {
        String ivy = a.token("ivy");
        String id = a.deploy(ivy, "index.js", TestApps.source("ws-echo.js"), Map.of("requirements", "ws@8.18.3")).getString("id");
        assertThat(a.call(id, "/").statusCode()).isEqualTo(200);
        NodeClient client = NodeClient.install("replica-ws-client", "ws@8.18.3");
        client.write("ws-client.mjs", """
                import WebSocket from "ws";
                const begun = performance.now();
                const ws = new WebSocket(process.argv[2]);
                let closing = 0;
                ws.on("open", () => ws.send("hi"));
                ws.on("message", (data) => {
                  console.log(JSON.stringify({ event: "message", data: String(data) }));
                  closing = performance.now();
                  ws.close(4000, "bye");
                });
                ws.on("close", (code, reason) => console.log(JSON.stringify({ event: "close", code, reason: String(reason),
                  ms: Math.round(performance.now() - closing) })));
                ws.on("error", (error) => console.log(JSON.stringify({ event: "error", message: error.message })));
                """);

        NodeClient.Run run = client.run(Duration.ofSeconds(45), "ws-client.mjs", "ws://127.0.0.1:" + b.base().getPort() + "/containers/" + id + "/ws");

        assertThat(run.exitCode()).as(run.stderr()).isZero();
        List<JsonObject> events = run.stdout().lines().filter(l -> l.startsWith("{")).map(JsonObject::new).toList();
        assertThat(events).as(run.stdout()).extracting(e -> e.getString("data")).contains("echo:hi");
        JsonObject close = events.stream().filter(e -> "close".equals(e.getString("event"))).findFirst().orElseThrow();
        assertThat(close.getInteger("code")).isEqualTo(4000);
        assertThat(close.getLong("ms")).as("ms from ws.close() to its 'close' event").isLessThan(1000L);
        assertThat(Files.exists(work.resolve("b/logs/" + id + ".log"))).as("it never ran on b").isFalse();
    }
}
