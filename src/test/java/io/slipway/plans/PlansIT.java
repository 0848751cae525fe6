package io.slipway.plans;

import static org.assertj.core.api.Assertions.assertThat;

import io.slipway.config.ConfigLoader;
import io.slipway.testing.Multipart;
import io.slipway.testing.SlipwayServerExtension;
import io.slipway.testing.SlipwayServerExtension.DataDir;
import io.slipway.testing.TestApps;
import io.slipway.testing.TestServer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Plans as configured by default: free (3 apps, 256 MiB, 0.5 CPU, sleepAfter ≤ 10m) and pro (50, 1 GiB, 2, 24h). */
class PlansIT {
    @RegisterExtension
    static final SlipwayServerExtension slipway = SlipwayServerExtension.withExactConfig(dir -> ConfigLoader.load(null, Map.of(),
            Map.of("data", dir.toString(), "port", "0", "build.npmCache", TestServer.NPM_CACHE.toString())));
    static TestServer server;
    @DataDir
    static Path dataDir;

    @Test
    void theFourthAppOfAFreeUserIs403QuotaExceededAndWritesNothing() throws IOException {
        String free = server.token("frugal", null);
        for (int i = 0; i < 3; i++) {
            assertThat(server.upload(free, new Multipart().file("index.js", TestApps.source("hello.js"))).statusCode()).isEqualTo(201);
        }
        long appsBefore = countApps();

        HttpResponse<String> fourth = server.upload(free, new Multipart().file("index.js", TestApps.source("hello.js")));

        assertThat(fourth.statusCode()).isEqualTo(403);
        assertThat(new JsonObject(fourth.body()).getString("type")).endsWith("/problems/quota-exceeded");
        assertThat(new JsonObject(fourth.body()).getString("detail")).contains("free plan allows 3 apps");
        assertThat(countApps()).isEqualTo(appsBefore);
    }

    @Test
    void sleepAfterIsBoundedByThePlan() {
        String free = server.token("sleepy-free", null);
        String pro = server.token("sleepy-pro", "pro");
        Multipart hourly = new Multipart().file("index.js", TestApps.source("hello.js")).field("sleepAfter", "1h");

        HttpResponse<String> refused = server.upload(free, hourly);
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(new JsonObject(refused.body()).getString("detail")).contains("at most 10m on the free plan");

        HttpResponse<String> allowed = server.upload(pro, new Multipart().file("index.js", TestApps.source("hello.js")).field("sleepAfter", "1h"));
        assertThat(allowed.statusCode()).isEqualTo(201);
        assertThat(new JsonObject(allowed.body()).getString("plan")).isEqualTo("pro");
        assertThat(new JsonObject(allowed.body()).getString("sleepAfter")).isEqualTo("1h");
    }

    @Test
    void theAppsSandboxGetsItsPlansMemoryAndCpu() throws IOException {
        String pro = server.token("bigger", "pro");
        String id = new JsonObject(server.upload(pro, new Multipart().file("index.js", TestApps.source("hello.js"))).body()).getString("id");
        assertThat(server.call(id, "/").statusCode()).isEqualTo(200);

        assertThat(cgroupValue("memory", id, "memory.limit_in_bytes")).isEqualTo(1024L * 1024 * 1024);
        assertThat(cgroupValue("cpu", id, "cpu.cfs_quota_us")).isEqualTo(200_000);
    }

    private static long countApps() throws IOException {
        try (Stream<Path> apps = Files.list(dataDir.resolve("apps"))) {
            return apps.count();
        }
    }

    private static long cgroupValue(String hierarchy, String appId, String file) throws IOException {
        try (Stream<Path> groups = Files.list(Path.of("/sys/fs/cgroup", hierarchy))) {
            Path value = groups.map(g -> g.resolve(appId).resolve(file)).filter(Files::exists).findFirst().orElseThrow();
            return Long.parseLong(Files.readString(value).trim());
        }
    }
}
