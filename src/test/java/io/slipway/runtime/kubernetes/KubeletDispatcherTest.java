package io.slipway.runtime.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.net.HttpURLConnection;
import java.net.URI;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the {@link KubeletDispatcher} adds to fabric8's mock API server, without a kubelet: graceful pod deletion as the
 * API server records it, and RFC 7386 merge patches.
 */
class KubeletDispatcherTest {
    private static final String NAMESPACE = "n";

    private KubernetesMockServer server;
    private KubernetesClient client;

    @BeforeEach
    void startMockApiServer() {
        var expectations = new HashMap<io.fabric8.mockwebserver.ServerRequest, java.util.Queue<io.fabric8.mockwebserver.ServerResponse>>();
        server = new KubernetesMockServer(new Context(), new MockWebServer(), expectations, new KubeletDispatcher(expectations), false);
        server.init();
        client = server.createClient();
    }

    @AfterEach
    void stopMockApiServer() {
        client.close();
        server.destroy();
    }

    @Test
    void aPodDeleteWithAGraceMarksThePodWithItAndLeavesItToItsFinalizer() {
        create(pod("p", 30L, true));
        client.pods().inNamespace(NAMESPACE).withName("p").withGracePeriod(7).delete();
        Pod marked = client.pods().inNamespace(NAMESPACE).withName("p").get();
        assertThat(marked.getMetadata().getDeletionGracePeriodSeconds()).isEqualTo(7);
        assertThat(Instant.parse(marked.getMetadata().getDeletionTimestamp())).isBetween(Instant.now().plusSeconds(5), Instant.now().plusSeconds(8));
    }

    @Test
    void aLaterDeleteMayShortenTheGraceButNotLengthenIt() {
        create(pod("p", 30L, true));
        client.pods().inNamespace(NAMESPACE).withName("p").delete();
        assertThat(grace("p")).as("the pod's terminationGracePeriodSeconds").isEqualTo(30);
        client.pods().inNamespace(NAMESPACE).withName("p").withGracePeriod(2).delete();
        assertThat(grace("p")).isEqualTo(2);
        client.pods().inNamespace(NAMESPACE).withName("p").withGracePeriod(20).delete();
        assertThat(grace("p")).isEqualTo(2);
    }

    @Test
    void theGraceMayComeAsAQueryParameter() throws Exception {
        create(pod("p", null, true));
        var connection = (HttpURLConnection) URI.create(server.url("/api/v1/namespaces/" + NAMESPACE + "/pods/p?gracePeriodSeconds=0")).toURL().openConnection();
        connection.setRequestMethod("DELETE");
        assertThat(connection.getResponseCode()).isEqualTo(200);
        assertThat(grace("p")).isZero();
    }

    @Test
    void aPodWithoutFinalizersIsDeletedAtOnce() {
        create(pod("p", 30L, false));
        client.pods().inNamespace(NAMESPACE).withName("p").withGracePeriod(7).delete();
        assertThat(client.pods().inNamespace(NAMESPACE).withName("p").get()).isNull();
    }

    @Test
    void aMergePatchReplacesArraysAndRemovesWhatItSetsToNull() {
        Deployment deployment = SandboxObjects.deployment("d", "image-one", "00000001", "1", "2");
        client.apps().deployments().inNamespace(NAMESPACE).resource(deployment).create();
        client.apps().deployments().inNamespace(NAMESPACE).withName("d").patch(PatchContext.of(PatchType.JSON_MERGE), """
                {"spec": {"replicas": 1, "template": {"metadata": {"labels": {"io.slipway.slot": null, "io.slipway.start": "00000002"}},
                 "spec": {"containers": [{"name": "app", "image": "image-two"}]}}}}""");
        Deployment patched = client.apps().deployments().inNamespace(NAMESPACE).withName("d").get();
        assertThat(patched.getSpec().getReplicas()).isEqualTo(1);
        assertThat(patched.getSpec().getTemplate().getMetadata().getLabels()).doesNotContainKey(SandboxObjects.SLOT)
                .containsEntry(SandboxObjects.START, "00000002").containsEntry(SandboxObjects.APP, "d");
        assertThat(patched.getSpec().getTemplate().getSpec().getContainers()).singleElement()
                .satisfies(c -> assertThat(c.getImage()).isEqualTo("image-two"));
        assertThat(patched.getSpec().getTemplate().getSpec().getInitContainers()).as("untouched").hasSize(1);
        assertThat(patched.getMetadata().getGeneration()).isEqualTo(2);
    }

    private void create(Pod pod) {
        client.pods().inNamespace(NAMESPACE).resource(pod).create();
    }

    private long grace(String pod) {
        return client.pods().inNamespace(NAMESPACE).withName(pod).get().getMetadata().getDeletionGracePeriodSeconds();
    }

    private static Pod pod(String name, Long terminationGrace, boolean finalizer) {
        var builder = new PodBuilder().withNewMetadata().withName(name).withLabels(Map.of("a", "b")).endMetadata()
                .withNewSpec().withTerminationGracePeriodSeconds(terminationGrace).addNewContainer().withName("app").withImage("i").endContainer().endSpec();
        if (finalizer) builder.editMetadata().withFinalizers(KubeletNode.FINALIZER).endMetadata();
        return builder.build();
    }
}
