package io.slipway.runtime.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.slipway.runtime.SandboxSpec;
import io.slipway.testing.PodmanEngine;
import io.slipway.testing.PodmanExtension;
import io.slipway.testing.TestApps;
import io.slipway.testing.TestServer;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * DESIGN §1's flow with {@code runtime: kubernetes}, end to end: a whole Slipway (in this JVM) whose runtime talks to
 * fabric8's Kubernetes <b>mock</b> API server, behind which a test kubelet runs the pods on podman ({@link TestKubelet}).
 * Builds run in the cluster too, as bare pods (esbuild's install among them); each start is a Deployment at one replica whose pod downloads its code
 * from this Slipway's own artifact endpoint, and requests reach the app through its Service ({@link SlipwayOnMockCluster}).
 */
@ExtendWith(PodmanExtension.class)
class KubernetesFlowIT {
    private static final String NAMESPACE = "flow";
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

    private static List<Pod> podsOf(String id) {
        return api.pods().inNamespace(NAMESPACE).withLabel(SandboxSpec.APP_LABEL, id).list().getItems();
    }

    private static List<Deployment> deploymentsOf(String id) {
        return api.apps().deployments().inNamespace(NAMESPACE).withLabel(SandboxSpec.APP_LABEL, id).list().getItems();
    }

    @Test
    void aNodeAppAnswersThroughTheProxyFromItsPodAndItsOutputReachesItsLog() {
        String id = server.deploy(alice, "index.js", TestApps.source("hello.js"), Map.of("env", "{\"GREETING\":\"from a pod\"}")).getString("id");

        HttpResponse<String> answer = server.call(id, "/");

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(new JsonObject(answer.body()).getString("greeting")).isEqualTo("from a pod");
        assertThat(deploymentsOf(id)).singleElement().satisfies(d -> {
            assertThat(d.getSpec().getReplicas()).isEqualTo(1);
            assertThat(d.getMetadata().getLabels()).containsEntry(SandboxSpec.USER_LABEL, "alice");
            assertThat(io.fabric8.kubernetes.client.utils.Serialization.asJson(d)).as("env values stay in the app's Secret").doesNotContain("from a pod");
        });
        assertThat(podsOf(id)).singleElement().satisfies(p -> assertThat(p.getStatus().getPhase()).isEqualTo("Running"));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(server.appLog(id)).contains("started on Kubernetes as the Deployment"));
    }

    @Test
    void aPythonAppAnswersFromItsPod() {
        String id = server.deploy(alice, "app.py", TestApps.source("hello.py"), Map.of()).getString("id");

        HttpResponse<String> answer = server.call(id, "/x");

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(new JsonObject(answer.body()).getString("path")).isEqualTo("/x");
    }

    @Test
    void anIdleAppIsScaledToZeroAndTheNextRequestScalesItBackUp() {
        String id = server.deploy(alice, "index.js", TestApps.source("hello.js"), Map.of("sleepAfter", "1s")).getString("id");
        long firstStart = new JsonObject(server.call(id, "/").body()).getLong("startedAt");

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(server.server(alice, id).getString("status")).isEqualTo("sleeping");
            assertThat(deploymentsOf(id)).singleElement().satisfies(d -> assertThat(d.getSpec().getReplicas()).isZero());
            assertThat(podsOf(id)).isEmpty();
        });

        HttpResponse<String> woken = server.call(id, "/again");
        assertThat(woken.statusCode()).as(woken.body()).isEqualTo(200);
        assertThat(new JsonObject(woken.body()).getLong("startedAt")).isGreaterThan(firstStart);
        assertThat(deploymentsOf(id)).as("the same Deployment, scaled up again").singleElement()
                .satisfies(d -> assertThat(d.getSpec().getReplicas()).isEqualTo(1));
    }

    /** The test kubelet backs a claim with a directory of its node's, which outlives the pod as a volume does. */
    @Test
    void aCounterInDataOutlivesThePodOfASleepOnTheAppsClaim() {
        String id = server.deploy(alice, "index.js", TestApps.source("data-counter.js"), Map.of("sleepAfter", "1s")).getString("id");
        assertThat(new JsonObject(server.call(id, "/count").body()).getInteger("count")).isEqualTo(1);

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(podsOf(id)).isEmpty());

        assertThat(new JsonObject(server.call(id, "/count").body()).getInteger("count")).as("in a new pod").isEqualTo(2);
        assertThat(api.persistentVolumeClaims().inNamespace(NAMESPACE).withName("s-" + id + "-data").get().getSpec().getResources()
                .getRequests().get("storage").getNumericalAmount().longValue()).as("the free plan's storage").isEqualTo(100L << 20);
    }

    @Test
    void aDeletedAppLeavesNoObjectInTheNamespace() {
        String id = server.deploy(alice, "index.js", TestApps.source("hello.js"), Map.of()).getString("id");
        assertThat(server.call(id, "/").statusCode()).isEqualTo(200);

        assertThat(server.delete("/api/containers/servers/" + id, alice).statusCode()).isEqualTo(204);

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(deploymentsOf(id)).isEmpty();
            assertThat(api.services().inNamespace(NAMESPACE).withLabel(SandboxSpec.APP_LABEL, id).list().getItems()).isEmpty();
            assertThat(api.network().v1().networkPolicies().inNamespace(NAMESPACE).withLabel(SandboxSpec.APP_LABEL, id).list().getItems()).isEmpty();
            assertThat(api.persistentVolumeClaims().inNamespace(NAMESPACE).withLabel(SandboxSpec.APP_LABEL, id).list().getItems()).isEmpty();
            assertThat(podsOf(id)).isEmpty();
        });
    }
}
