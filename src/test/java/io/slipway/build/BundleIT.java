package io.slipway.build;

import static org.assertj.core.api.Assertions.assertThat;

import io.slipway.testing.TestApps;
import io.slipway.testing.TestServer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Node apps bundled with their packages at deploy (faster wakes), through real uploads with real npm packages, in real
 * sandboxes: bundled where safe, run as uploaded where a package finds files by its own location, never with a file of
 * the host a hostile dependency set links to, and not at all with {@code build.bundle: false}.
 */
class BundleIT {
    @TempDir
    static Path data;
    static TestServer server;
    static String token;

    @BeforeAll
    static void start() {
        server = TestServer.start(data);
        token = server.token("bea");
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    @Test
    void aTypeScriptExpressAppIsBundledWithItsPackagesAndAnswersFromTheBundle() {
        String id = server.deploy(token, "index.ts", TestApps.source("express.ts"), Map.of("requirements", "express@5.1.0 cors@2.8.5")).getString("id");

        HttpResponse<String> answer = server.call(id, "/");

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(new JsonObject(answer.body()).getString("message")).isEqualTo("hello from express");
        assertThat(server.appLog(id)).contains("entry index.bundle.mjs: index.mjs bundled with its packages");
        assertThat(filesUnder(data.resolve("apps").resolve(id))).anyMatch(p -> p.getFileName().toString().equals("index.bundle.mjs"));
    }

    @Test
    void anAppWhosePackageFindsFilesByItsOwnLocationRunsAsUploaded() {
        String source = "const root = require('app-root-path');\n"
                + "require('http').createServer((q, r) => r.end(JSON.stringify({ root: String(root) }))).listen(Number(process.env.PORT), process.env.HOST);\n";
        String id = server.deploy(token, "index.js", source, Map.of("requirements", "app-root-path@3.1.0")).getString("id");

        HttpResponse<String> answer = server.call(id, "/");

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(new JsonObject(answer.body()).getString("root")).isNotBlank();
        assertThat(server.appLog(id)).contains("not bundled: app-root-path finds files by its own location").contains("entry index.cjs");
    }

    /**
     * An install script may leave links to any path in the dependency set it writes: esbuild, which reads that set to
     * bundle it, runs in the build sandbox, where a file of the host that Slipway's own user can read is not there (run
     * as root on the host, it would inline this one into the bundle, where the app reads it).
     */
    @Test
    void aLinkInTheDependencySetToAFileOfTheHostIsNeverReadIntoTheBundle() throws IOException {
        String source = "require('http').createServer((q, r) => { let said; try { said = require('ms')(3600000); } catch (e) { said = 'no ms: ' + e.code; }\n"
                + "  r.end(said); }).listen(Number(process.env.PORT), process.env.HOST);\n";
        String first = server.deploy(token, "index.js", source, Map.of("requirements", "ms@2.1.3")).getString("id");
        assertThat(server.call(first, "/").body()).isEqualTo("1h");
        assertThat(server.appLog(first)).contains("entry index.bundle.cjs");
        Path secret = data.resolve("host-secret.txt");
        Files.writeString(secret, "module.exports = () => 'SLIPWAY-HOST-SECRET-7f3a';\n");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        Path ms = dependencySetOf("ms", "express").resolve("node_modules/ms/index.js");
        Files.delete(ms);
        Files.createSymbolicLink(ms, secret);

        String second = server.deploy(token, "index.js", source + "// again\n", Map.of("requirements", "ms@2.1.3")).getString("id");

        // esbuild finds no ms there: the require, in a try, is left to run time (where the app does not find it either).
        assertThat(server.appLog(second)).contains("esbuild index.cjs (bundled with its packages)");
        assertThat(server.call(second, "/").body()).as("nor does the app find it").startsWith("no ms");
        for (Path file : filesUnder(data.resolve("apps"))) {
            if (Files.isRegularFile(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                assertThat(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1)).as(file.toString()).doesNotContain("SLIPWAY-HOST-SECRET");
            }
        }
    }

    @Test
    void withBundlesOffAnAppRunsAsUploaded(@TempDir Path other) {
        try (TestServer plain = TestServer.start(TestServer.config(other, Map.of("build.bundle", "false")))) {
            String id = plain.deploy(plain.token("cy"), "index.js", TestApps.source("hello.js"), Map.of("requirements", "ms@2.1.3")).getString("id");

            assertThat(plain.call(id, "/").statusCode()).isEqualTo(200);
            assertThat(plain.appLog(id)).contains("entry index.cjs").doesNotContain("bundle");
        }
    }

    /** The dependency set (under {@code deps/node}) that holds {@code pkg} and not {@code not} (express needs ms too). */
    private static Path dependencySetOf(String pkg, String not) throws IOException {
        try (Stream<Path> sets = Files.list(data.resolve("deps/node"))) {
            return sets.filter(set -> Files.isDirectory(set.resolve("node_modules").resolve(pkg)))
                    .filter(set -> !Files.exists(set.resolve("node_modules").resolve(not))).findFirst().orElseThrow();
        }
    }

    private static List<Path> filesUnder(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
