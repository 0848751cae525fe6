package io.slipway.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.slipway.testing.TestApps;
import io.slipway.testing.TestServer;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --unsafe-no-sandbox}: apps run as plain child processes, with their dependencies found all the same. */
class UnsandboxedIT {
    @Test
    void appsRunWithoutTheSandboxWhenItIsExplicitlyDisabled(@TempDir Path dataDir) {
        try (TestServer server = TestServer.start(dataDir, c -> c.withSandbox(c.sandbox().withEnabled(false)))) {
            String token = server.token("trusted");
            String js = server.deploy(token, "index.js", TestApps.source("hello.js"), Map.of("requirements", "is-number@7.0.0")).getString("id");
            String ts = server.deploy(token, "index.ts", TestApps.source("express.ts"), Map.of("requirements", "express cors")).getString("id");

            JsonObject seen = new JsonObject(server.call(js, "/").body());
            assertThat(seen.getString("app")).isEqualTo("hello-js");
            assertThat(seen.getLong("pid")).as("no pid namespace without the sandbox").isGreaterThan(2);
            assertThat(new JsonObject(server.call(ts, "/").body()).getString("message")).isEqualTo("hello from express");
        }
    }
}
