package io.slipway.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.slipway.app.Language;
import io.slipway.runtime.Artifact;
import io.slipway.runtime.ContractApp;
import io.slipway.runtime.Layer;
import io.slipway.runtime.Sandbox;
import io.slipway.runtime.SandboxExit;
import io.slipway.runtime.SandboxRuntime;
import io.slipway.runtime.IsolationContract;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The fake runtime keeps the contract every runtime keeps, with limits and the network policy simulated (see
 * {@link SandboxRuntimeContract}): the lifecycle tests that use it meet what real runtimes do. Needs nothing of the host.
 */
class FakeSandboxRuntimeContractTest extends IsolationContract {
    private final FakeSandboxRuntime.Machine machine = new FakeSandboxRuntime.Machine();

    @Override
    protected SandboxRuntime newRuntime(Path dataDir) {
        return new FakeSandboxRuntime(machine, dataDir, true);
    }

    /** The behaviour is named by the entry alone; the digest only has to be one. */
    @Override
    protected Artifact artifact(Path dataDir, String appId, ContractApp app) {
        return new Artifact(Language.NODE, app.entry(), Layer.of(Layer.Kind.CODE, "0".repeat(64)), Optional.empty());
    }

    /** The app's process ends as a crash with code 1 would, and a new one answers 200 ms later. */
    @Override
    protected boolean restartBehindSlipway(Sandbox sandbox) {
        ((FakeSandbox) sandbox).restart(new SandboxExit(1), Duration.ofMillis(200));
        return true;
    }

    @Override
    protected void assertNoLeftovers(Path dataDir) {
        assertThat(machine.liveCount(dataDir)).as("fake sandboxes still alive").isZero();
    }
}
