package io.slipway.runtime.process;

import io.slipway.runtime.host.UidClaims;
import io.slipway.runtime.host.HostUids;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.slipway.app.DataDir;
import io.slipway.artifacts.LocalArtifactStore;
import io.slipway.config.SlipwayConfig;
import io.slipway.config.SlipwayConfig.SandboxSettings.Egress;
import io.slipway.runtime.Artifact;
import io.slipway.runtime.ContractApp;
import io.slipway.runtime.SandboxRuntime;
import io.slipway.runtime.IsolationContract;
import io.slipway.sandbox.HostTools;
import io.slipway.testing.SandboxProcesses;
import io.slipway.testing.TestHost;
import io.slipway.testing.TestServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * The process runtime keeps the contract, sandboxed as in production: bubblewrap as an unprivileged uid per app, a
 * veth link per sandbox behind the firewall, cgroup limits, and egress by NAT (so that INTERNET is tested too). Needs
 * root, bubblewrap and node, as CI has. "The internet" is a {@link TestHost} in a network namespace of its own at a
 * documentation address: nothing leaves the machine. Uids are claimed machine-wide by {@link HostUids}, as Slipway claims
 * them, so that concurrent test JVMs never share one; the claims are released after each test, once its sandboxes are
 * gone.
 */
class ProcessSandboxRuntimeContractIT extends IsolationContract {
    @TempDir
    static Path webRoot;
    static TestHost outside;

    @BeforeAll
    static void startTheOutside() throws IOException {
        outside = TestHost.start(webRoot);
    }

    @AfterAll
    static void stopTheOutside() {
        if (outside != null) outside.close();
    }

    @Override
    protected SandboxRuntime newRuntime(Path dataDir) {
        TestServer.openForSandboxes(dataDir);
        var settings = SlipwayConfig.defaults(dataDir).sandbox().withEgress(Egress.NAT, "");
        DataDir dir = new DataDir(dataDir);
        return new ProcessSandboxRuntime(HostTools.find(), dir, settings, new LocalArtifactStore(dir)::directory, HostUids.open(dir, settings));
    }

    @Override
    protected Artifact artifact(Path dataDir, String appId, ContractApp app) {
        return app.nodeScript(dataDir, appId);
    }

    @Override
    protected PublicService publicService() {
        return new PublicService(new InetSocketAddress(TestHost.PUBLIC_ADDRESS, TestHost.PORT), true);
    }

    /** No process labelled for the data dir is left: sandboxes and their launchers are all gone. Then the uids go back. */
    @Override
    protected void assertNoLeftovers(Path dataDir) {
        try {
            await("the sandbox processes of " + dataDir).atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(SandboxProcesses.countOf(dataDir)).isZero());
        } finally {
            UidClaims.machineWide(dataDir).releaseAll();
        }
    }
}
