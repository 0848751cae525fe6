package io.slipway.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.slipway.testing.Multipart;
import io.slipway.testing.SlipwayServerExtension;
import io.slipway.testing.SlipwayServerExtension.Token;
import io.slipway.testing.TestApps;
import io.slipway.testing.TestServer;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A build that fails says why in the upload's problem, in the user's terms, from real installs: a package that is on
 * neither PyPI nor npm, a real package whose install downloads from hosts that are not registries, a registry that
 * cannot be reached. The problem stays {@code build-failed} (422) with the log's tail.
 */
class BuildErrorsIT {
    private static final String NO_SUCH_PACKAGE = "slipway-no-such-package-4f2a9c";

    @RegisterExtension
    static final SlipwayServerExtension slipway = SlipwayServerExtension.withDefaults();
    static TestServer server;
    @Token("builder")
    static String token;

    @Test
    void aPackageThatIsNotOnPypiIsNamed() {
        JsonObject problem = failedUpload(server, "app.py", TestApps.source("hello.py"), NO_SUCH_PACKAGE);

        assertThat(problem.getString("detail")).startsWith(NO_SUCH_PACKAGE + " is not on PyPI: check the name in requirements (pip install");
        assertThat(problem.getString("logTail")).contains("No matching distribution found for " + NO_SUCH_PACKAGE);
    }

    @Test
    void aPackageThatIsNotOnNpmIsNamed() {
        JsonObject problem = failedUpload(server, "index.js", TestApps.source("hello.js"), NO_SUCH_PACKAGE);

        assertThat(problem.getString("detail")).startsWith(NO_SUCH_PACKAGE + " is not on npm: check the name in requirements (npm install");
        assertThat(problem.getString("logTail")).contains("E404");
    }

    /**
     * better-sqlite3's install script fetches its prebuilt binary from GitHub's releases and, failing that, compiles it
     * with node-gyp, which fetches node's headers from nodejs.org: neither is a registry. npm prints only "statusCode=403";
     * the proxy says in the build's log which hosts it refused.
     */
    @Test
    void aPackageWhoseInstallDownloadsFromGithubNamesTheHostsAndTheSettingThatAllowsThem() {
        JsonObject problem = failedUpload(server, "index.js", TestApps.source("hello.js"), "better-sqlite3@12.11.1");

        assertThat(problem.getString("detail")).startsWith("the build tried to reach github.com and nodejs.org, which are not package "
                + "registries; an operator can allow them with build.allowedHosts (npm install better-sqlite3@12.11.1 failed");
        assertThat(problem.getString("logTail")).contains("registry proxy: refused github.com").contains("prebuild-install");
    }

    @Test
    void aRegistryThatCannotBeReachedIsNamed(@TempDir Path dataDir) {
        try (TestServer unreachable = TestServer.start(TestServer.config(dataDir, Map.of("build.pipIndexUrl", "https://pypi.invalid/simple")))) {
            JsonObject problem = failedUpload(unreachable, "app.py", TestApps.source("hello.py"), "fastapi");

            assertThat(problem.getString("detail")).startsWith("the package registry pypi.invalid could not be reached from this Slipway: "
                    + "try again later, or ask the operator (pip install fastapi failed");
            assertThat(problem.getString("logTail")).contains("registry proxy: cannot reach the registry pypi.invalid: its name does not resolve");
        }
    }

    private static JsonObject failedUpload(TestServer on, String fileName, String source, String requirements) {
        HttpResponse<String> response = on.upload(on == server ? token : on.token("builder"),
                new Multipart().file(fileName, source).field("requirements", requirements));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(422);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        JsonObject problem = new JsonObject(response.body());
        assertThat(problem.getString("type")).endsWith("/problems/build-failed");
        return problem;
    }
}
