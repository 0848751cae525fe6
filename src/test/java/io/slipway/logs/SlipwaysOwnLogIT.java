package io.slipway.logs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.slipway.testing.SlipwayProcess;
import io.slipway.testing.TestApps;
import io.slipway.testing.TestServer;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Slipway's own log as a `./slipway up` process writes it: dated lines of text by default, one JSON object per line with
 * {@code logging.format: json}, and an access line per data-plane exchange (the path without its query), or none
 * with {@code logging.accessLog: false}.
 */
class SlipwaysOwnLogIT {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @TempDir
    Path work;

    private static int call(SlipwayProcess slipway, String id, String pathAndQuery) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(slipway.base() + "/containers/" + id + pathAndQuery)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private Path data(String name) throws Exception {
        TestServer.openForSandboxes(work);
        return Files.createDirectories(work.resolve(name));
    }

    @Test
    void textLinesAreDatedAndEachExchangeHasAnAccessLineWithoutItsQuery() throws Exception {
        try (SlipwayProcess slipway = SlipwayProcess.up(data("text"), Map.of())) {
            String id = slipway.deploy(slipway.token("alice"), "index.js", TestApps.source("hello.js"));
            assertThat(call(slipway, id, "/hello?token=secret")).isEqualTo(200);

            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(slipway.output())
                    .anySatisfy(line -> assertThat(line).contains("access - app=" + id + " method=GET path=/containers/" + id + "/hello status=200 bytes=")));
            List<String> lines = slipway.output();
            assertThat(lines.stream().filter(l -> l.contains("Slipway listening on"))).singleElement().satisfies(line ->
                    assertThat(line).matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z INFO  Slipway - Slipway listening on .*"));
            assertThat(String.join("\n", lines)).doesNotContain("token=secret");
        }
    }

    @Test
    void jsonLinesAreOneObjectEachAndTheAccessLogCanBeTurnedOff() throws Exception {
        try (SlipwayProcess slipway = SlipwayProcess.up(data("json"), Map.of("SLIPWAY_LOGGING_FORMAT", "json", "SLIPWAY_LOGGING_ACCESS_LOG", "false"))) {
            String id = slipway.deploy(slipway.token("bob"), "index.js", TestApps.source("hello.js"));
            assertThat(call(slipway, id, "/")).isEqualTo(200);

            List<JsonObject> objects = slipway.output().stream().filter(l -> l.startsWith("{")).map(JsonObject::new).toList();
            assertThat(objects).anySatisfy(o -> {
                assertThat(o.getString("formattedMessage")).startsWith("Slipway listening on http://localhost:");
                assertThat(o.getString("level")).isEqualTo("INFO");
                assertThat(o.getLong("timestamp")).isPositive();
            });
            assertThat(slipway.output().stream().filter(l -> l.contains("Slipway listening on"))).allMatch(l -> l.startsWith("{"));
            assertThat(objects).noneMatch(o -> "io.slipway.access".equals(o.getString("loggerName")));
        }
    }
}
