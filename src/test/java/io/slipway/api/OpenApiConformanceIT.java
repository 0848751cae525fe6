package io.slipway.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.slipway.testing.Commands;
import io.slipway.testing.Multipart;
import io.slipway.testing.OpenApiContract;
import io.slipway.testing.Schemathesis;
import io.slipway.testing.SlipwayServerExtension;
import io.slipway.testing.SlipwayServerExtension.Token;
import io.slipway.testing.TestApps;
import io.slipway.testing.TestServer;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Real answers of a real Slipway against its OpenAPI document: each call's status, media type, required headers and
 * body must be what the document declares for that operation (through {@link OpenApiContract}), on the happy path and
 * on its errors; only the document itself is served without a token; and schemathesis, fed the document Slipway serves,
 * finds nothing in a bounded run.
 */
class OpenApiConformanceIT {
    private static final String SERVER = "/api/containers/servers/{id}";
    private static final OpenApiContract CONTRACT = OpenApiContract.load();

    @RegisterExtension
    static final SlipwayServerExtension slipway = SlipwayServerExtension.withConfig(TestServer::fastLifecycle);
    static TestServer server;
    @Token("olivia")
    static String token;

    @Test
    void theDocumentIsServedWithoutATokenAsTheResourceIs() {
        HttpResponse<byte[]> response = server.send(HttpRequest.newBuilder(server.base().resolve("/api/openapi.json")).GET(),
                HttpResponse.BodyHandlers.ofByteArray());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).contains("application/json");
        assertThat(response.body()).isEqualTo(OpenApiDocument.read());
    }

    @Test
    void nothingElseUnderApiPassesWithoutAToken() {
        List<String> lookAlikes = List.of("/api/openapi.json/x", "/api/openapi.jsonx", "/api/openapi.json.bak", "/api/OPENAPI.json",
                "/api/openapi", "/api/openapi.json%00", "/api//usage", "/api/containers/servers/openapi.json",
                "/api/containers/upload?openapi.json", "/api/mcp-projects;/openapi.json");
        for (String path : lookAlikes) {
            HttpResponse<String> response = server.get(path, null);
            assertThat(response.statusCode()).as(path + ": " + response.body()).isIn(401, 400);
        }
        for (String method : List.of("POST", "PUT", "DELETE", "HEAD")) {
            HttpResponse<String> response = server.send(HttpRequest.newBuilder(server.base().resolve("/api/openapi.json"))
                    .method(method, HttpRequest.BodyPublishers.noBody()));
            assertThat(response.statusCode()).as(method + " /api/openapi.json").isEqualTo(401);
        }
        CONTRACT.document().getJsonObject("paths").forEach(path -> {
            if (!path.getKey().startsWith("/api/") || path.getKey().equals("/api/openapi.json")) return;
            String concrete = path.getKey().replaceAll("\\{[A-Za-z]+}", "x");
            for (String method : ((JsonObject) path.getValue()).fieldNames()) {
                if (method.equals("parameters")) continue;
                HttpResponse<String> response = server.send(HttpRequest.newBuilder(server.base().resolve(concrete))
                        .method(method.toUpperCase(), HttpRequest.BodyPublishers.noBody()));
                CONTRACT.check(method.toUpperCase(), path.getKey(), response);
                assertThat(response.statusCode()).as(method + " " + concrete).isEqualTo(401);
            }
        });
        CONTRACT.check("GET", "/api/usage", server.get("/api/usage", "not-a-token"));
    }

    @Test
    void answersMatchTheDocumentThroughAnAppsLife() {
        HttpResponse<String> created = CONTRACT.check("POST", "/api/containers/upload",
                server.upload(token, new Multipart().file("hello.js", TestApps.source("hello.js")).field("env", "{\"GREETING\":\"hi\"}")));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String id = new JsonObject(created.body()).getString("id");
        String app = "/api/containers/servers/" + id;

        CONTRACT.check("GET", "/api/mcp-projects", server.get("/api/mcp-projects", token));
        assertThat(server.call(id, "/").statusCode()).isEqualTo(200);
        CONTRACT.check("GET", SERVER, server.get(app, token));
        CONTRACT.check("GET", "/api/usage", server.get("/api/usage", token));
        HttpResponse<String> redeployed = CONTRACT.check("PUT", SERVER,
                server.redeploy(token, id, new Multipart().file("hello.js", TestApps.source("hello.js"))));
        assertThat(redeployed.statusCode()).as(redeployed.body()).isEqualTo(200);
        HttpResponse<String> patched = CONTRACT.check("PATCH", SERVER, server.sendJson("PATCH", app, token, "{\"sleepAfter\":\"30s\",\"private\":false}"));
        assertThat(patched.statusCode()).as(patched.body()).isEqualTo(200);
        CONTRACT.check("PATCH", SERVER, server.sendJson("PATCH", app, token, "{\"color\":\"blue\"}"));
        CONTRACT.check("PATCH", SERVER, server.send(HttpRequest.newBuilder(server.base().resolve(app)).header("Authorization", "Bearer " + token)
                .header("Content-Type", "text/plain").method("PATCH", HttpRequest.BodyPublishers.ofString("{}"))));
        HttpResponse<String> log = CONTRACT.check("GET", SERVER + "/logs", server.get(app + "/logs", token));
        assertThat(log.statusCode()).isEqualTo(200);
        HttpResponse<java.io.InputStream> follow = server.send(HttpRequest.newBuilder(server.base().resolve(app + "/logs?follow=true"))
                .header("Authorization", "Bearer " + token).GET(), HttpResponse.BodyHandlers.ofInputStream());
        try (var stream = follow.body()) {
            CONTRACT.check("GET", SERVER + "/logs", follow, null);
            assertThat(follow.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        CONTRACT.check("GET", SERVER + "/logs", logWith(app, "Last-Event-ID", "not-an-event"));

        HttpResponse<String> key = CONTRACT.check("POST", SERVER + "/keys", server.sendJson("POST", app + "/keys", token, "{\"name\":\"ci\"}"));
        assertThat(key.statusCode()).isEqualTo(201);
        HttpResponse<String> unnamed = CONTRACT.check("POST", SERVER + "/keys", server.send(HttpRequest.newBuilder(server.base().resolve(app + "/keys"))
                .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.noBody())));
        assertThat(unnamed.statusCode()).as("a key needs no body").isEqualTo(201);
        CONTRACT.check("POST", SERVER + "/keys", server.sendJson("POST", app + "/keys", token, "[1]"));
        // Found by schemathesis: Vert.x's getString turned {"name": false} into a key named "false".
        HttpResponse<String> notAString = CONTRACT.check("POST", SERVER + "/keys", server.sendJson("POST", app + "/keys", token, "{\"name\":false}"));
        assertThat(notAString.statusCode()).isEqualTo(400);
        assertThat(new JsonObject(notAString.body()).getString("type")).endsWith("/invalid-json");
        CONTRACT.check("POST", SERVER + "/keys", server.sendJson("POST", app + "/keys", token, "{\"name\":\"" + "n".repeat(5000) + "\"}"));
        CONTRACT.check("GET", SERVER + "/keys", server.get(app + "/keys", token));
        String keyPath = app + "/keys/" + new JsonObject(key.body()).getString("id");
        assertThat(CONTRACT.check("DELETE", SERVER + "/keys/{keyId}", server.delete(keyPath, token)).statusCode()).isEqualTo(204);
        assertThat(CONTRACT.check("DELETE", SERVER + "/keys/{keyId}", server.delete(keyPath, token)).statusCode()).isEqualTo(404);

        assertThat(CONTRACT.check("DELETE", SERVER, server.delete(app, token)).statusCode()).isEqualTo(204);
        assertThat(CONTRACT.check("GET", SERVER, server.get(app, token)).statusCode()).isEqualTo(404);
        assertThat(CONTRACT.check("DELETE", SERVER, server.delete(app, token)).statusCode()).isEqualTo(404);
        CONTRACT.check("GET", SERVER + "/logs", server.get(app + "/logs", token));
        CONTRACT.check("GET", SERVER + "/keys", server.get(app + "/keys", token));
    }

    @Test
    void refusedUploadsAreTheProblemsTheDocumentDeclares() {
        String upload = "/api/containers/upload";
        assertThat(CONTRACT.check("POST", upload, server.upload(token, new Multipart().file("index.rb", "puts 1"))).statusCode()).isEqualTo(400);
        assertThat(CONTRACT.check("POST", upload, server.upload(token, new Multipart().field("name", "x"))).statusCode()).isEqualTo(400);
        String big = "//" + "x".repeat(1100 * 1024);
        assertThat(CONTRACT.check("POST", upload, server.upload(token, new Multipart().file("big.js", big))).statusCode()).isEqualTo(413);
        assertThat(CONTRACT.check("POST", upload, server.sendJson("POST", upload, token, "{}")).statusCode()).isEqualTo(415);
        // Found by schemathesis: Netty's decoder refuses a part without a name, which was answered 500.
        HttpResponse<String> nameless = CONTRACT.check("POST", upload, server.upload(token, new Multipart().field("", "x")));
        assertThat(nameless.statusCode()).isEqualTo(400);
        assertThat(new JsonObject(nameless.body()).getString("type")).endsWith("/invalid-form");
        HttpResponse<String> crashed = CONTRACT.check("POST", upload, server.upload(token, new Multipart().file("crash.js", TestApps.source("crash.js"))));
        assertThat(crashed.statusCode()).as(crashed.body()).isEqualTo(422);
        assertThat(CONTRACT.check("PUT", SERVER, server.redeploy(token, "nope", new Multipart().file("hello.js", "1"))).statusCode()).isEqualTo(404);
    }

    @Test
    void theAdminApiMatchesTheDocument() {
        String admin = server.adminToken("root");
        assertThat(CONTRACT.check("GET", "/api/admin/users", server.get("/api/admin/users", token)).statusCode()).isEqualTo(403);
        assertThat(CONTRACT.check("PUT", "/api/admin/users/{user}", server.sendJson("PUT", "/api/admin/users/zoe", admin, "{\"plan\":\"pro\"}"))
                .statusCode()).isEqualTo(200);
        assertThat(CONTRACT.check("PUT", "/api/admin/users/{user}", server.sendJson("PUT", "/api/admin/users/zoe", admin, "{\"plan\":\"gold\"}"))
                .statusCode()).isEqualTo(400);
        CONTRACT.check("GET", "/api/admin/users", server.get("/api/admin/users", admin));
        CONTRACT.check("GET", "/api/admin/users/{user}", server.get("/api/admin/users/zoe", admin));
        CONTRACT.check("GET", "/api/admin/users/{user}", server.get("/api/admin/users/nobody", admin));
        CONTRACT.check("GET", "/healthz", server.get("/healthz", null));
        CONTRACT.check("GET", "/readyz", server.get("/readyz", null));
        CONTRACT.check("GET", "/metrics", server.get("/metrics", null));
    }

    /** Every finding is a bug, in Slipway or in the document: the run fails the test with what schemathesis printed. */
    @Test
    void schemathesisFindsNothing() {
        Schemathesis schemathesis = Schemathesis.install();
        String admin = server.adminToken("fuzzer");
        String app = server.deploy(admin, "hello.js", TestApps.source("hello.js"), java.util.Map.of()).getString("id");
        long started = System.nanoTime();
        Commands.Result run = schemathesis.run(server.base().resolve("/api/openapi.json"), List.of("Authorization: Bearer " + admin),
                java.util.Map.of("SLIPWAY_APP_ID", app), 10, Duration.ofSeconds(60));
        List<String> lines = run.stdout().lines().toList();
        System.out.printf("schemathesis ran %d ms:%n%s%n", (System.nanoTime() - started) / 1_000_000,
                String.join("\n", lines.subList(Math.max(0, lines.size() - 25), lines.size())));

        assertThat(run.exitCode()).as("schemathesis:\n%s\n%s", run.stdout(), run.stderr()).isZero();
    }

    private static HttpResponse<String> logWith(String app, String header, String value) {
        return server.send(HttpRequest.newBuilder(server.base().resolve(app + "/logs?follow=true")).header("Authorization", "Bearer " + token)
                .header(header, value).GET());
    }
}
