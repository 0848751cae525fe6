package io.slipway.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import io.slipway.app.Language;
import io.slipway.build.Requirements;
import io.slipway.config.SlipwayConfig;
import io.slipway.testing.PodmanEngine;
import io.slipway.testing.PodmanExtension;
import io.slipway.testing.TestServer;
import io.slipway.testing.Wheels;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * With {@code docker.nodeImage} and {@code docker.pythonImage} naming images whose interpreters are not the host's
 * (laid out as official images are: {@link RelocatedImages}), an app's packages are installed in a container of its
 * image, by that image's npm and python, through the registry proxy; the app then runs on them. A venv made on the host
 * instead would link to {@code /usr/bin/python3}, which that image lacks, and the app would not start.
 */
@ExtendWith(PodmanExtension.class)
class DockerImageBuildsIT {
    private static final String PYTHON_APP = """
            import json, os, sys
            from http.server import BaseHTTPRequestHandler, HTTPServer
            import slipway_testpkg

            class Handler(BaseHTTPRequestHandler):
                def do_GET(self):
                    body = json.dumps({"greeting": slipway_testpkg.greet(), "prefix": sys.prefix, "basePrefix": sys.base_prefix}).encode()
                    self.send_response(200)
                    self.send_header("content-length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)

            HTTPServer((os.environ["HOST"], int(os.environ["PORT"])), Handler).serve_forever()
            """;

    @TempDir
    static Path dataDir;
    @TempDir
    static Path wheels;
    static TestServer server;
    static DockerClient docker;
    static String alice;

    @BeforeAll
    static void start(PodmanEngine engine) throws IOException {
        Wheels.build(wheels, "slipway_testpkg", "1.0", "def greet():\n    return 'hello from a wheel'\n");
        Files.setPosixFilePermissions(wheels, PosixFilePermissions.fromString("rwxr-xr-x"));
        docker = DockerRuntimes.client(engine);
        RelocatedImages.importInto(engine, docker);
        server = TestServer.start(dataDir, c -> withImages(c, engine));
        alice = server.token("alice");
    }

    @AfterAll
    static void stop() {
        DockerRuntimes.stop(server, docker, dataDir);
    }

    private static SlipwayConfig withImages(SlipwayConfig c, PodmanEngine engine) {
        return DockerRuntimes.onEngine(c, engine, Optional.of(RelocatedImages.NODE), Optional.of(RelocatedImages.PYTHON))
                .withBuild(c.build().withPipFindLinks(wheels.toString()));
    }

    @Test
    void aPythonAppsVenvIsMadeByItsImagesPythonAndRunsOnIt() throws IOException {
        String id = server.deploy(alice, "app.py", PYTHON_APP, Map.of("requirements", "slipway-testpkg==1.0"))
                .getString("id");

        HttpResponse<String> answer = server.call(id, "/");
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        JsonObject body = new JsonObject(answer.body());
        assertThat(body.getString("greeting")).isEqualTo("hello from a wheel");
        assertThat(body.getString("prefix")).isEqualTo("/app/venv");
        assertThat(body.getString("basePrefix")).as("the image's python, not the host's").isEqualTo("/usr/local");

        Path set = onlySet(Language.PYTHON);
        assertThat(Files.readString(set.resolve("venv/pyvenv.cfg"))).contains("home = /usr/local/bin");
        assertThat(set.getFileName().toString()).as("a set made in the image is not the host's")
                .isNotEqualTo(Requirements.key(Language.PYTHON, List.of("slipway-testpkg==1.0")));
        assertThat(server.get("/api/containers/servers/" + id + "/logs", alice).body()).contains("(in " + RelocatedImages.PYTHON + ")");
    }

    @Test
    void aNodeAppsPackagesAreInstalledByItsImagesNpm() {
        String id = server.deploy(alice, "index.js", io.slipway.testing.TestApps.source("express-path.js"), Map.of("requirements", "express"))
                .getString("id");

        HttpResponse<String> answer = server.call(id, "/");
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        JsonObject body = new JsonObject(answer.body());
        assertThat(body.getString("message")).isEqualTo("hello from express");
        assertThat(body.getString("node")).isEqualTo("/usr/local/bin/node");
        assertThat(onlySet(Language.NODE).resolve(RelocatedImages.NPM_MARK)).as("installed by the image's npm").exists();
    }

    @Test
    void noBuildContainerOutlivesItsStep() {
        server.deploy(alice, "app.py", PYTHON_APP, Map.of("requirements", "slipway-testpkg==1.0"));

        assertThat(docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(DockerSandboxRuntime.ROLE_LABEL, DockerBuilds.ROLE,
                DockerSandboxRuntime.OWNER_LABEL, io.slipway.sandbox.SandboxLabel.of(dataDir))).exec()).isEmpty();
    }

    /** The one dependency set of the language installed so far. */
    private static Path onlySet(Language language) {
        try (Stream<Path> sets = Files.list(dataDir.resolve("deps").resolve(language.id()))) {
            return sets.filter(Files::isDirectory).reduce((a, b) -> {
                throw new AssertionError("more than one dependency set: " + a + ", " + b);
            }).orElseThrow(() -> new AssertionError("no dependency set"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
