package io.slipway.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.slipway.app.SlipwayError;
import io.slipway.app.SlipwayError.Kind;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The API's failure handler over real HTTP: what a client sees when a handler throws. */
class ApiFailureTest {
    private static final String SECRET = "SQLITE_BUSY: /srv/slipway/data/slipway.db is locked by pid 4242";
    private static Vertx vertx;
    private static HttpServer server;
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        Router router = Router.router(vertx);
        router.get("/bug").handler(Blocking.of(ctx -> {
            throw new IllegalStateException(SECRET);
        }));
        router.get("/internal").handler(Blocking.of(ctx -> {
            throw new SlipwayError(Kind.INTERNAL, "store-failed", SECRET);
        }));
        router.get("/quota").handler(Blocking.of(ctx -> {
            throw new SlipwayError(Kind.THROTTLED, "too-many-builds", "you have 2 uploads building", Duration.ofSeconds(10), null);
        }));
        router.route().failureHandler(ApiRouter::failure);
        server = vertx.createHttpServer().requestHandler(router).listen(0).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void aFailureThatIsNotASlipwayErrorIsA500ThatNeverLeaksItsMessage() throws Exception {
        HttpResponse<String> response = get("/bug");

        assertInternalError(response, "internal-error");
    }

    @Test
    void anInternalSlipwayErrorIsA500ThatNeverLeaksItsDetail() throws Exception {
        HttpResponse<String> response = get("/internal");

        assertInternalError(response, "store-failed");
    }

    @Test
    void aSlipwayErrorIsAnsweredAsItsProblem() throws Exception {
        HttpResponse<String> response = get("/quota");

        assertThat(response.statusCode()).isEqualTo(429);
        assertThat(response.headers().firstValue("Retry-After")).contains("10");
        assertThat(response.headers().firstValue("X-Slipway-Error")).contains("too-many-builds");
        assertThat(new JsonObject(response.body()).getString("detail")).isEqualTo("you have 2 uploads building");
    }

    private static void assertInternalError(HttpResponse<String> response, String slug) {
        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(response.headers().firstValue("Content-Type")).contains("application/problem+json");
        assertThat(response.headers().firstValue("X-Slipway-Error")).contains(slug);
        JsonObject problem = new JsonObject(response.body());
        assertThat(problem.getString("type")).endsWith("/problems/" + slug);
        assertThat(problem.getInteger("status")).isEqualTo(500);
        assertThat(response.body()).doesNotContain("SQLITE", "/srv/slipway", "4242", "IllegalStateException");
        assertThat(response.headers().map().toString()).doesNotContain("SQLITE", "/srv/slipway");
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return CLIENT.send(HttpRequest.newBuilder(URI.create("http://localhost:" + server.actualPort() + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
