package io.slipway.runtime.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.slipway.runtime.docker.RelocatedImages;
import io.slipway.testing.Multipart;
import io.slipway.testing.PodmanEngine;
import io.slipway.testing.PodmanExtension;
import io.slipway.testing.TestApps;
import io.slipway.testing.TestServer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Builds of the kubernetes runtime in the cluster ({@code kubernetes.builds: cluster}), end to end: a whole Slipway whose
 * runtime talks to fabric8's Kubernetes <b>mock</b> API server, behind which the {@link TestKubelet} runs pods on
 * podman. Each install is a bare pod in the language's image (node and npm, python3 with venv and pip in {@code
 * /usr/local}, unlike this host), which downloads its work directory from Slipway, installs from npm or PyPI through
 * Slipway's registry proxy, and uploads the result; the app then runs in a pod of the same image on what was installed
 * there. A failing install is the usual {@code build-failed} with the install's log.
 */
@ExtendWith(PodmanExtension.class)
class KubernetesBuildsIT {
    private static final String NAMESPACE = "builds";
    @TempDir
    static Path dataDir;
    static SlipwayOnMockCluster slipway;
    static KubernetesClient api;
    static TestServer server;
    static String alice;

    @BeforeAll
    static void start(PodmanEngine engine) {
        slipway = SlipwayOnMockCluster.start(engine, NAMESPACE, dataDir);
        api = slipway.api();
        server = slipway.server();
        alice = server.token("alice");
    }

    @AfterAll
    static void stop() {
        if (slipway != null) slipway.close();
    }

    @AfterEach
    void noBuildPodOrPolicyOutlivesItsStep() {
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(api.pods().inNamespace(NAMESPACE).withLabel(BuildPods.ROLE_LABEL, BuildPods.ROLE).list().getItems()).isEmpty();
            assertThat(api.network().v1().networkPolicies().inNamespace(NAMESPACE).withLabel(BuildPods.ROLE_LABEL, BuildPods.ROLE).list()
                    .getItems()).isEmpty();
        });
    }

    @Test
    void aNodeAppsNpmDependencyIsInstalledInABuildPodOfItsImageAndTheAppAnswers() {
        String id = server.deploy(alice, "index.js", TestApps.source("express-path.js"), Map.of("requirements", "express")).getString("id");

        HttpResponse<String> answer = server.call(id, "/");
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        JsonObject body = new JsonObject(answer.body());
        assertThat(body.getString("message")).isEqualTo("hello from express");
        assertThat(body.getString("node")).isEqualTo("/usr/local/bin/node");
        assertThat(onlySet("node").resolve(RelocatedImages.NPM_MARK)).as("installed by the image's npm, in the pod").exists();
        assertThat(server.appLog(id)).contains("npm install express (in a pod of " + RelocatedImages.NODE + ")").contains("[build]")
                .as("bundled in a build pod too").contains("esbuild index.cjs (bundled with its packages) (in a pod of").contains("entry index.bundle.cjs");
    }

    @Test
    void aPythonAppsPipRequirementIsInstalledInABuildPodAndTheAppAnswers() throws IOException {
        String id = server.deploy(alice, "app.py", TestApps.source("flask.py"), Map.of("requirements", "flask")).getString("id");

        HttpResponse<String> answer = server.call(id, "/");
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(new JsonObject(answer.body()).getString("framework")).isEqualTo("flask");
        assertThat(Files.readString(onlySet("python").resolve("venv/pyvenv.cfg"))).as("made by the image's python").contains("home = /usr/local/bin");
        assertThat(server.appLog(id)).contains("pip install flask (in a pod of " + RelocatedImages.PYTHON + ")");
    }

    @Test
    void anInstallThatFailsInItsPodIsTheUsualBuildFailureWithTheInstallsLog() {
        String missing = "slipway-no-such-package-4f2a9c";
        HttpResponse<String> response = server.upload(alice, new Multipart().file("app.py", TestApps.source("hello.py")).field("requirements", missing));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(422);
        JsonObject problem = new JsonObject(response.body());
        assertThat(problem.getString("type")).endsWith("/problems/build-failed");
        assertThat(problem.getString("detail")).startsWith(missing + " is not on PyPI");
        assertThat(problem.getString("logTail")).contains("No matching distribution found for " + missing).contains("failed with exit code 1");
    }

    /** The one dependency set of the language installed so far. */
    private static Path onlySet(String language) {
        try (Stream<Path> sets = Files.list(dataDir.resolve("deps").resolve(language))) {
            return sets.filter(Files::isDirectory).reduce((a, b) -> {
                throw new AssertionError("more than one dependency set: " + a + ", " + b);
            }).orElseThrow(() -> new AssertionError("no dependency set"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
