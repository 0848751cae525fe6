package io.slipway.runtime.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.slipway.app.DataDir;
import io.slipway.artifacts.LocalArtifactStore;
import io.slipway.runtime.Artifact;
import io.slipway.runtime.ContractApp;
import io.slipway.runtime.SandboxRuntime;
import io.slipway.runtime.SandboxRuntimeContract;
import io.slipway.sandbox.HostTools;
import io.slipway.testing.SandboxProcesses;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The process runtime without its sandbox ({@link UnsandboxedRuntime}, {@code --unsafe-no-sandbox}, for development)
 * keeps the lifecycle part of the contract: start, env, stop, exits, logs and reaping. It isolates nothing, so it runs
 * {@link SandboxRuntimeContract} and not {@link io.slipway.runtime.IsolationContract}, and says so in its capabilities.
 */
class UnsandboxedRuntimeContractIT extends SandboxRuntimeContract {
    @Override
    protected SandboxRuntime newRuntime(Path dataDir) {
        return new UnsandboxedRuntime(HostTools.find(), new DataDir(dataDir), new LocalArtifactStore(new DataDir(dataDir))::directory);
    }

    @Override
    protected Artifact artifact(Path dataDir, String appId, ContractApp app) {
        return app.nodeScript(dataDir, appId);
    }

    @org.junit.jupiter.api.Test
    void itSaysThatItIsolatesNothingAndSharesTheHostsNetwork() {
        assertThat(runtime.capabilities().isolated()).isFalse();
        assertThat(runtime.capabilities().internetEgress()).isTrue();
    }

    @Override
    protected void assertNoLeftovers(Path dataDir) {
        await("the app processes of " + dataDir).atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(SandboxProcesses.countOf(dataDir)).isZero());
    }
}
