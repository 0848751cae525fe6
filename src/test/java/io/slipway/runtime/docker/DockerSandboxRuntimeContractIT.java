package io.slipway.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.DockerException;
import io.slipway.config.SlipwayConfig;
import io.slipway.config.SlipwayConfig.SandboxSettings.Egress;
import io.slipway.runtime.Artifact;
import io.slipway.runtime.ContractApp;
import io.slipway.runtime.Sandbox;
import io.slipway.runtime.SandboxRuntime;
import io.slipway.runtime.IsolationContract;
import io.slipway.testing.PodmanEngine;
import io.slipway.testing.PodmanExtension;
import io.slipway.testing.TestHost;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The docker runtime keeps the contract, on podman's Docker-compatible service ({@link PodmanExtension}) or the engine
 * {@value DockerRuntimes#OTHER_ENGINE} names, with egress by NAT so that INTERNET is tested too; "the internet" is a
 * {@link TestHost} at a documentation address, in a network namespace of its own. Needs root.
 */
@ExtendWith(PodmanExtension.class)
class DockerSandboxRuntimeContractIT extends IsolationContract {
    private static final Logger LOG = LoggerFactory.getLogger(DockerSandboxRuntimeContractIT.class);
    @TempDir
    static Path webRoot;
    static TestHost outside;
    static PodmanEngine engine;
    static DockerClient docker;

    @BeforeAll
    static void startTheEngineAndTheOutside(PodmanEngine shared) throws IOException {
        engine = shared;
        docker = DockerRuntimes.client(engine);
        outside = TestHost.start(webRoot);
    }

    @AfterAll
    static void stopTheOutside() throws IOException {
        if (outside != null) outside.close();
        if (docker != null) docker.close();
    }

    @Override
    protected SandboxRuntime newRuntime(Path dataDir) {
        return DockerRuntimes.create(engine, dataDir, SlipwayConfig.defaults(dataDir).sandbox().withEgress(Egress.NAT, ""));
    }

    @Override
    protected Artifact artifact(Path dataDir, String appId, ContractApp app) {
        return app.nodeScript(dataDir, appId);
    }

    @Override
    protected PublicService publicService() {
        return new PublicService(new InetSocketAddress(TestHost.PUBLIC_ADDRESS, TestHost.PORT), true);
    }

    /**
     * Through the engine, as an operator's {@code docker restart} would: SIGTERM, then SIGKILL after 2 s, then a start.
     * The runtime may remove the container while the engine restarts it, which then fails the engine's call.
     */
    @Override
    protected boolean restartBehindSlipway(Sandbox sandbox) {
        try {
            docker.restartContainerCmd(((DockerSandbox) sandbox).container()).withTimeout(2).exec();
        } catch (DockerException e) {
            LOG.info("the engine's restart of {} failed, the container removed meanwhile: {}", sandbox.appId(), e.getMessage());
        }
        return true;
    }

    /** No container with the data dir's label is left in the engine, no firewall chain of its label on the host. */
    @Override
    protected void assertNoLeftovers(Path dataDir) {
        DockerRuntimes.assertNothingLeft(docker, dataDir);
    }
}
