package io.slipway.runtime.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.slipway.api.ArtifactDownloads;
import io.slipway.app.DataDir;
import io.slipway.app.Language;
import io.slipway.artifacts.ArtifactTokens;
import io.slipway.artifacts.LayerDownloads;
import io.slipway.artifacts.LocalArtifactStore;
import io.slipway.config.DataSize;
import io.slipway.runtime.Artifact;
import io.slipway.runtime.ContractApp;
import io.slipway.runtime.NetworkPolicy;
import io.slipway.runtime.Sandbox;
import io.slipway.runtime.SandboxExit;
import io.slipway.runtime.SandboxLimits;
import io.slipway.runtime.SandboxRuntime;
import io.slipway.runtime.SandboxRuntimeContract;
import io.slipway.runtime.docker.HostBuiltImages;
import io.slipway.testing.PodmanEngine;
import io.slipway.testing.PodmanExtension;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The kubernetes runtime keeps the contract on fabric8's Kubernetes <b>mock</b> API server with a test kubelet in
 * front of podman ({@link TestKubelet}): real pods of real containers, whose init containers download their code from
 * a real artifact endpoint ({@link ArtifactDownloads} on Vert.x, over the test's data dir) on this host's loopback, and
 * whose Services the kubelet puts on loopback addresses of their own. The kubelet enforces no NetworkPolicy, so the
 * isolation half of the contract ({@code IsolationContract}) is not claimed here: its policy objects are checked
 * against the mock in {@link KubernetesRuntimeOnMockApiTest}. Needs root.
 *
 * <p>One runtime serves the whole class, where the contract makes one per test: the mock's watch handling blocks its
 * event loop for up to 30 s whenever a client closes a watch while events are being sent on it (fabric8 7.9.0's {@code
 * WatchEventsListener.onClosed} awaits its sender on that loop), which stalls the kubelet's watches too. So every
 * {@link #newRuntime} hands out that one runtime, whose {@code close()} does nothing ({@link Unclosed}); "a new runtime
 * over the same data dir" is the same one, as it keeps nothing but what the API keeps; it is closed once, at the end.
 */
@ExtendWith(PodmanExtension.class)
class KubernetesSandboxRuntimeContractIT extends SandboxRuntimeContract {
    private static final String NAMESPACE = "contract";
    private static final byte[] SECRET = "thirty-two bytes of secret, at least, for tests".getBytes();
    private static final String OWNER = "c0ffee0123456789";
    private static TestKubelet cluster;
    private static KubernetesSandboxRuntime shared;
    private static String nodeImage;
    private static String pythonImage;
    private static Vertx vertx;
    private static HttpServer artifacts;
    /** The layers of the data dir of the test running now, which the artifact endpoint serves. */
    private static volatile LocalArtifactStore layers;
    private static final ArtifactTokens GRANTS = new ArtifactTokens(SECRET, Clock.systemUTC());

    @BeforeAll
    static void startTheClusterAndTheArtifactEndpoint(PodmanEngine engine) {
        nodeImage = HostBuiltImages.of(engine, Language.NODE);
        pythonImage = HostBuiltImages.of(engine, Language.PYTHON);
        cluster = TestKubelet.start(engine, NAMESPACE);
        vertx = Vertx.vertx();
        Router router = Router.router(vertx);
        router.get(LayerDownloads.ROUTE).handler(new ArtifactDownloads(GRANTS, (appId, layer, out) -> layers.writeTar(appId, layer, out)));
        artifacts = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await();
        shared = new KubernetesSandboxRuntime(cluster.newClient(), NAMESPACE, OWNER,
                KubernetesSandboxRuntime.settings(nodeImage, pythonImage, OWNER, DataSize.ofMebibytes(64).bytes()),
                Map.of("app.kubernetes.io/name", "slipway"),
                new LayerDownloads(GRANTS, () -> URI.create("http://127.0.0.1:" + artifacts.actualPort())));
    }

    @AfterAll
    static void stopTheCluster() {
        if (shared != null) shared.close();
        if (cluster != null) cluster.close();
        if (vertx != null) vertx.close().await();
    }

    @Override
    protected SandboxRuntime newRuntime(Path dataDir) {
        layers = new LocalArtifactStore(new DataDir(dataDir));
        return new Unclosed(shared);
    }

    /** The class's runtime, whose close is {@link #stopTheCluster}'s. */
    private record Unclosed(SandboxRuntime runtime) implements SandboxRuntime {
        @Override
        public String name() {
            return runtime.name();
        }

        @Override
        public io.slipway.runtime.RuntimeCapabilities capabilities() {
            return runtime.capabilities();
        }

        @Override
        public Sandbox start(io.slipway.runtime.SandboxSpec spec) {
            return runtime.start(spec);
        }

        @Override
        public void forget(String appId) {
            runtime.forget(appId);
        }

        @Override
        public io.slipway.runtime.Leftovers adoptOrReap(java.util.Set<String> knownApps) {
            return runtime.adoptOrReap(knownApps);
        }

        @Override
        public io.slipway.runtime.Preflight check() {
            return runtime.check();
        }

        @Override
        public void close() {
        }
    }

    @Override
    protected Artifact artifact(Path dataDir, String appId, ContractApp app) {
        return app.nodeScript(dataDir, appId);
    }

    /** As the kernel's OOM killer or a crash would: the kubelet restarts the pod's container. */
    @Override
    protected boolean restartBehindSlipway(Sandbox sandbox) {
        cluster.restartApp(((KubernetesSandbox) sandbox).pod().orElseThrow());
        return true;
    }

    /** No pod of the runtime's is left: every sandbox stopped had its pod deleted. */
    @Override
    protected void assertNoLeftovers(Path dataDir) {
        try (KubernetesClient client = cluster.newClient()) {
            // A stop returns once the pod reported its end; the kubelet removes the pod's object just after.
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(client.pods().inNamespace(NAMESPACE)
                    .withLabel(AppObjects.OWNER_LABEL, OWNER).list().getItems()).as("pods left").isEmpty());
        }
    }

    @Test
    void anAppThatRunsOutOfMemoryBeforeItIsReadyEndsItsSandboxReportedAsOutOfMemory() {
        Started hog = start(ContractApp.HOG, NetworkPolicy.ISOLATED, new SandboxLimits(DataSize.ofMebibytes(96), 64, 1.0), Map.of());

        SandboxExit exit = exitOf(hog.sandbox(), START);

        assertThat(exit.outOfMemory()).as("%s", exit).isTrue();
        assertThat(exit.exitCode()).isEqualTo(137);
    }
}
