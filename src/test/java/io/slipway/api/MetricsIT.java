package io.slipway.api;

import static io.slipway.testing.PrometheusText.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.slipway.testing.Curl;
import io.slipway.testing.Multipart;
import io.slipway.testing.SlipwayServerExtension;
import io.slipway.testing.SlipwayServerExtension.Token;
import io.slipway.testing.TestApps;
import io.slipway.testing.TestServer;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code /metrics} as a Prometheus scraper reads it (curl, no token): the series DESIGN §7 names, labelled with the
 * app's id after it was built, started and called, with made-up ids under {@code app="none"}; the JVM's and Vert.x's
 * series beside them; and a deleted app's series gone.
 */
class MetricsIT {
    @RegisterExtension
    static final SlipwayServerExtension slipway = SlipwayServerExtension.withDefaults();
    static TestServer server;
    @Token("metrics-it")
    static String token;

    @Test
    void aScrapeShowsTheAppsBuildStartRequestsAndRunningCountAndForgetsItOnceDeleted() {
        String id = server.deploy(token, "index.js", TestApps.source("hello.js"), Map.of()).getString("id");
        assertThat(server.call(id, "/").statusCode()).isEqualTo(200);
        assertThat(server.call(id, "/").statusCode()).isEqualTo(200);
        assertThat(server.call("madeup0000", "/").statusCode()).isEqualTo(404);
        assertThat(server.upload(token, new Multipart().file("index.js", "require('left-pad-that-does-not-exist-zz');")
                .field("requirements", "left-pad-that-does-not-exist-zz")).statusCode()).as("a failed build").isEqualTo(422);

        Curl.Result scrape = Curl.run(server.base() + "/metrics");

        assertThat(scrape.status()).isEqualTo(200);
        assertThat(scrape.header("Content-Type")).isEqualTo("text/plain; version=0.0.4; charset=utf-8");
        String text = scrape.body();
        assertThat(value(text, "slipway_proxy_requests_total{app=\"" + id + "\",code=\"200\"}")).isGreaterThanOrEqualTo(2);
        assertThat(value(text, "slipway_proxy_requests_total{app=\"none\",code=\"404\"}")).isGreaterThanOrEqualTo(1);
        assertThat(value(text, "slipway_proxy_request_seconds_count{app=\"" + id + "\"}")).isGreaterThanOrEqualTo(2);
        assertThat(value(text, "slipway_app_starts_total{app=\"" + id + "\",outcome=\"ready\"}")).isEqualTo(1);
        assertThat(value(text, "slipway_app_start_seconds_count")).isGreaterThanOrEqualTo(1);
        assertThat(value(text, "slipway_apps_running")).isGreaterThanOrEqualTo(1);
        assertThat(value(text, "slipway_builds_total{outcome=\"built\"}")).isGreaterThanOrEqualTo(1);
        assertThat(value(text, "slipway_builds_total{outcome=\"failed\"}")).isGreaterThanOrEqualTo(1);
        assertThat(text).contains("# TYPE slipway_proxy_request_seconds histogram", "jvm_memory_used_bytes{", "vertx_pool_")
                .doesNotContain("madeup0000");
        assertThat(Curl.run("-I", server.base() + "/metrics").status()).as("HEAD, as uptime monitors send").isEqualTo(200);

        assertThat(server.delete("/api/containers/servers/" + id, token).statusCode()).isEqualTo(204);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(Curl.run(server.base() + "/metrics").body()).doesNotContain(id));
    }
}
