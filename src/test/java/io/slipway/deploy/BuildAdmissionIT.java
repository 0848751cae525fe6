package io.slipway.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.slipway.testing.Multipart;
import io.slipway.testing.TestApps;
import io.slipway.testing.TestServer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Uploads take their place before anything is built: in the owner's quota (with the uploads still in flight), among one
 * user's builds, and among the builds running and waiting; and dependency sets that no app uses are removed after
 * build.keepUnusedDeps. Each upload here asks for a different version of a small npm package, so that each would need
 * an install of its own.
 */
class BuildAdmissionIT {
    private static final List<String> VERSIONS = List.of("is-number@7.0.0", "is-number@6.0.0", "is-number@5.0.0", "is-number@4.0.0");

    @TempDir
    Path dataDir;

    @Test
    void uploadsSentTogetherCountAgainstTheQuotaBeforeAnyIsBuilt() {
        try (TestServer server = start(Map.of("plans.free.apps", "3", "build.maxPerUser", "10"))) {
            String token = server.token("carol");
            for (int i = 0; i < 2; i++) server.deploy(token, "index.js", TestApps.source("hello.js"), Map.of());

            List<Answer> answers = uploadAtOnce(server, List.of(token, token, token, token));

            assertThat(answers).filteredOn(a -> a.status() == 201).hasSize(1);
            List<Answer> refused = answers.stream().filter(a -> a.status() != 201).toList();
            assertThat(refused).hasSize(3).allSatisfy(a -> {
                assertThat(a.status()).isEqualTo(403);
                assertThat(a.body()).contains("/problems/quota-exceeded", "being built");
            });
            long built = answers.stream().filter(a -> a.status() == 201).findFirst().orElseThrow().millis();
            assertThat(refused).as("refused before the one build finished").allMatch(a -> a.millis() < built);
            assertThat(dependencySets(server)).as("only the admitted upload installed anything").hasSize(1);
            assertThat(leftInTmp(server)).isEmpty();
        }
    }

    @Test
    void oneUserMayHaveOnlySoManyBuildsAtOnce() {
        try (TestServer server = start(Map.of("build.maxPerUser", "2"))) {
            String token = server.token("dave");

            List<Answer> answers = uploadAtOnce(server, List.of(token, token, token));

            assertThat(answers).filteredOn(a -> a.status() == 201).hasSize(2);
            Answer refused = answers.stream().filter(a -> a.status() != 201).findFirst().orElseThrow();
            assertThat(refused.status()).isEqualTo(429);
            assertThat(refused.body()).contains("/problems/too-many-builds");
            assertThat(refused.retryAfter()).isNotNull();
            assertThat(dependencySets(server)).hasSize(2);
        }
    }

    @Test
    void pastTheRunningBuildsUploadsWaitTheirTurnAndPastTheQueueAreRefused() {
        try (TestServer server = start(Map.of("build.maxConcurrent", "1", "build.maxQueued", "1"))) {
            List<Answer> answers = uploadAtOnce(server, List.of(server.token("u1"), server.token("u2"), server.token("u3")));

            assertThat(answers).filteredOn(a -> a.status() == 201).hasSize(2);
            Answer refused = answers.stream().filter(a -> a.status() != 201).findFirst().orElseThrow();
            assertThat(refused.status()).isEqualTo(429);
            assertThat(refused.body()).contains("/problems/build-queue-full");
            String waited = answers.stream().filter(a -> a.status() == 201).max(java.util.Comparator.comparingLong(Answer::millis))
                    .orElseThrow().json().getString("id");
            assertThat(Files.exists(server.dataDir().resolve("logs/" + waited + ".log"))).isTrue();
            assertThat(server.get("/api/containers/servers/" + waited + "/logs", server.token(ownerOf(answers, waited))).body())
                    .contains("waiting for a build slot");
        }
    }

    @Test
    void aDependencySetNoAppUsesIsRemovedOnceUnusedForLongEnough() {
        try (TestServer server = start(Map.of("build.keepUnusedDeps", "1s"))) {
            String token = server.token("erin");
            String first = server.deploy(token, "index.js", TestApps.source("hello.js"), Map.of("requirements", VERSIONS.get(0))).getString("id");
            String second = server.deploy(token, "index.js", TestApps.source("hello.js"), Map.of("requirements", VERSIONS.get(1))).getString("id");
            List<Path> sets = dependencySets(server);
            assertThat(sets).hasSize(2);

            assertThat(server.delete("/api/containers/servers/" + first, token).statusCode()).isEqualTo(204);

            await().atMost(Duration.ofSeconds(30)).until(() -> dependencySets(server).size() == 1);
            assertThat(server.call(second, "/").statusCode()).as("the set still used stays, and its app runs").isEqualTo(200);
            assertThat(leftInTmp(server)).isEmpty();
            String again = server.deploy(token, "index.js", TestApps.source("hello.js"), Map.of("requirements", VERSIONS.get(0))).getString("id");
            assertThat(server.call(again, "/").statusCode()).as("a removed set is installed again when asked for").isEqualTo(200);
        }
    }

    private TestServer start(Map<String, String> keys) {
        return TestServer.start(TestServer.config(dataDir, keys));
    }

    /** One upload per token, all sent at once, each asking for its own requirements; answers in the order sent. */
    private static List<Answer> uploadAtOnce(TestServer server, List<String> tokens) {
        long t0 = System.nanoTime();
        List<CompletableFuture<Answer>> sent = new ArrayList<>();
        for (int i = 0; i < tokens.size(); i++) {
            Multipart form = new Multipart().file("index.js", TestApps.source("hello.js")).field("requirements", VERSIONS.get(i));
            HttpRequest request = HttpRequest.newBuilder(server.base().resolve("/api/containers/upload"))
                    .header("Authorization", "Bearer " + tokens.get(i)).header("Content-Type", form.contentType())
                    .POST(HttpRequest.BodyPublishers.ofByteArray(form.bytes())).timeout(Duration.ofMinutes(2)).build();
            String owner = tokens.get(i);
            sent.add(server.http().sendAsync(request, HttpResponse.BodyHandlers.ofString()).thenApply(r -> new Answer(r.statusCode(),
                    r.body(), r.headers().firstValue("Retry-After").orElse(null), (System.nanoTime() - t0) / 1_000_000, owner)));
        }
        return sent.stream().map(CompletableFuture::join).toList();
    }

    private record Answer(int status, String body, String retryAfter, long millis, String token) {
        JsonObject json() {
            return new JsonObject(body);
        }
    }

    /** The user a token of {@link #uploadAtOnce}'s answers was sent with, by the app it created. */
    private static String ownerOf(List<Answer> answers, String appId) {
        String token = answers.stream().filter(a -> a.status() == 201 && a.json().getString("id").equals(appId)).findFirst().orElseThrow().token();
        String payload = new String(java.util.Base64.getUrlDecoder().decode(token.split("\\.")[1]), java.nio.charset.StandardCharsets.UTF_8);
        return new JsonObject(payload).getString("sub");
    }

    private static List<Path> dependencySets(TestServer server) {
        Path node = server.dataDir().resolve("deps/node");
        if (!Files.isDirectory(node)) return List.of();
        try (Stream<Path> sets = Files.list(node)) {
            return sets.filter(Files::isDirectory).toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static List<Path> leftInTmp(TestServer server) {
        try (Stream<Path> left = Files.list(server.dataDir().resolve("tmp"))) {
            return left.filter(p -> p.getFileName().toString().startsWith("deps-") || p.getFileName().toString().startsWith("unused-deps-")).toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
