package io.slipway.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ReadinessTest {
    final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-01T00:00:00Z"));
    final InstantSource clock = now::get;
    final AtomicInteger runs = new AtomicInteger();

    @Test
    void readyWhileEveryCheckPasses() {
        Readiness readiness = new Readiness(clock, Duration.ofSeconds(2), List.of(check("store", Duration.ofSeconds(1), List::of)));

        assertThat(readiness.failures().join()).isEmpty();
    }

    @Test
    void anAnswerIsKeptForAMomentSoAProbeStormCostsOneCheck() {
        Readiness readiness = new Readiness(clock, Duration.ofSeconds(2), List.of(check("runtime", Duration.ofSeconds(2),
                () -> List.of("iptables is missing"))));

        for (int i = 0; i < 50; i++) {
            assertThat(readiness.failures().join()).containsExactly(new Readiness.Failure("runtime", "iptables is missing"));
        }
        assertThat(runs).hasValue(1);

        now.set(now.get().plusSeconds(2));
        readiness.failures().join();
        assertThat(runs).hasValue(2);
    }

    @Test
    void aHungCheckFailsWithinTheTimeoutAndIsNotStartedAgainUntilItAnswers() throws Exception {
        CountDownLatch hung = new CountDownLatch(1);
        Readiness readiness = new Readiness(clock, Duration.ofMillis(200), List.of(check("store", Duration.ZERO, () -> {
            hung.await();
            return List.of();
        })));

        List<CompletableFuture<List<Readiness.Failure>>> probes = List.of(readiness.failures(), readiness.failures(), readiness.failures());
        for (var probe : probes) {
            assertThat(probe.get(5, TimeUnit.SECONDS)).singleElement().extracting(Readiness.Failure::detail)
                    .isEqualTo("store did not answer within 200ms");
        }
        assertThat(runs).as("one thread waits on the hung store, not one per probe").hasValue(1);

        hung.countDown();
        await().atMost(Duration.ofSeconds(5)).until(() -> readiness.failures().join().isEmpty());
    }

    @Test
    void aCheckThatThrowsFailsWithoutShowingItsMessage() {
        Readiness readiness = new Readiness(clock, Duration.ofSeconds(2), List.of(check("store", Duration.ofSeconds(1), () -> {
            throw new IllegalStateException("FATAL: password authentication failed for user \"slipway\" at db.internal:5432");
        })));

        List<Readiness.Failure> failing = readiness.failures().join();

        assertThat(failing).singleElement().satisfies(f -> {
            assertThat(f.check()).isEqualTo("store");
            assertThat(f.detail()).isEqualTo("store did not answer; the server log says why");
        });
    }

    @Test
    void onceShutdownBeginsItIsNotReadyAndAsksNothingMore() {
        Readiness readiness = new Readiness(clock, Duration.ofSeconds(2), List.of(check("store", Duration.ZERO, List::of)));

        readiness.stopping();

        assertThat(readiness.failures().join()).containsExactly(new Readiness.Failure("shutdown", "Slipway is shutting down"));
        assertThat(runs).hasValue(0);
    }

    @Test
    void readyzAnswers200Or503WithTheFailingChecksOverHttp() throws Exception {
        AtomicReference<List<String>> problems = new AtomicReference<>(List.of());
        Readiness readiness = new Readiness(clock, Duration.ofSeconds(2), List.of(check("runtime", Duration.ZERO, problems::get)));
        Vertx vertx = Vertx.vertx();
        try {
            Router router = Router.router(vertx);
            Probes.install(router, readiness, () -> "");
            HttpServer server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await();
            URI readyz = URI.create("http://127.0.0.1:" + server.actualPort() + "/readyz");
            HttpClient http = HttpClient.newHttpClient(); // HTTP/2 (h2c) once upgraded: HEAD must come without a body there too

            HttpResponse<String> ready = http.send(HttpRequest.newBuilder(readyz).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(ready.statusCode()).isEqualTo(200);
            assertThat(new JsonObject(ready.body())).isEqualTo(new JsonObject().put("status", "ready"));

            problems.set(List.of("INPUT no longer jumps to SW-IN-x"));
            HttpResponse<String> broken = http.send(HttpRequest.newBuilder(readyz).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(broken.statusCode()).isEqualTo(503);
            assertThat(broken.headers().firstValue("Content-Type")).contains("application/problem+json");
            assertThat(broken.headers().firstValue("X-Slipway-Error")).contains("not-ready");
            assertThat(broken.headers().firstValue("Retry-After")).contains("2");
            JsonObject problem = new JsonObject(broken.body());
            assertThat(problem.getString("type")).endsWith("/problems/not-ready");
            assertThat(problem.getString("detail")).contains("runtime: INPUT no longer jumps to SW-IN-x");
            assertThat(problem.getJsonArray("failing").getJsonObject(0))
                    .isEqualTo(new JsonObject().put("check", "runtime").put("detail", "INPUT no longer jumps to SW-IN-x"));

            problems.set(List.of());
            readiness.stopping();
            HttpResponse<String> stopping = http.send(HttpRequest.newBuilder(readyz).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(stopping.statusCode()).isEqualTo(503);
            assertThat(new JsonObject(stopping.body()).getJsonArray("failing").getJsonObject(0).getString("check")).isEqualTo("shutdown");
            HttpResponse<String> head = http.send(HttpRequest.newBuilder(readyz).HEAD().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(head.statusCode()).isEqualTo(503);
            assertThat(head.body()).isEmpty();
        } finally {
            vertx.close().await();
        }
    }

    private Readiness.Check check(String name, Duration keep, java.util.concurrent.Callable<List<String>> probe) {
        return new Readiness.Check(name, name, keep, () -> {
            runs.incrementAndGet();
            return probe.call();
        });
    }
}
