package io.slipway.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.slipway.testing.SandboxProcesses;
import io.slipway.testing.TestApps;
import io.slipway.testing.TestServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two Slipways on one machine, each with its own data dir and store, never run sandboxes (apps or builds) as the same
 * host uid: uids are claimed machine-wide under /run/slipway-uids, and claimed again at every start.
 */
class MachineWideUidsIT {
    private static final Path CLAIMS = Path.of("/run/slipway-uids");

    @Test
    void twoSlipwaysOnOneMachineRunTheirAppsAndBuildsAsDifferentUids(@TempDir Path first, @TempDir Path second) throws IOException {
        try (TestServer a = TestServer.start(first); TestServer b = TestServer.start(second)) {
            String appA = a.deploy(a.token("alice"), "index.js", TestApps.source("hello.js"), Map.of()).getString("id");
            String appB = b.deploy(b.token("bob"), "index.js", TestApps.source("hello.js"), Map.of()).getString("id");

            Set<Integer> uidsA = uidsOf(a, appA);
            Set<Integer> uidsB = uidsOf(b, appB);
            assertThat(uidsA).isNotEmpty().doesNotContainAnyElementsOf(uidsB);
            assertThat(buildUid(a)).as("the builds' uids").isNotEqualTo(buildUid(b));
        }
    }

    /** /run is emptied at boot; whoever starts first then claims a uid first, and the other moves its app. */
    @Test
    void anAppWhoseUidAnotherSlipwayTookMeanwhileMovesToANewOne(@TempDir Path first, @TempDir Path second) throws IOException {
        String appA;
        int before;
        try (TestServer a = TestServer.start(first)) {
            appA = a.deploy(a.token("alice"), "index.js", TestApps.source("hello.js"), Map.of()).getString("id");
            before = uidsOf(a, appA).iterator().next();
        }
        forgetClaimsOf(first);
        try (TestServer b = TestServer.start(second)) {
            String appB = b.deploy(b.token("bob"), "index.js", TestApps.source("hello.js"), Map.of()).getString("id");
            assertThat(uidsOf(b, appB)).as("b took the uid a's app had").containsExactly(before);

            try (TestServer a = TestServer.start(first)) {
                assertThat(uidsOf(a, appA)).as("a's app runs, as another uid").isNotEmpty().doesNotContain(before);
                assertThat(uidsOf(b, appB)).containsExactly(before);
            }
        }
    }

    /** The host uids the app's sandbox runs as, once a request has woken it. */
    private static Set<Integer> uidsOf(TestServer server, String appId) {
        assertThat(server.call(appId, "/").statusCode()).isEqualTo(200);
        return SandboxProcesses.uids(appId);
    }

    /** The uid builds run as: the one this Slipway claimed machine-wide for its builds. */
    private static int buildUid(TestServer server) throws IOException {
        String dataDir = server.dataDir().toAbsolutePath().normalize().toString();
        try (Stream<Path> claims = Files.list(CLAIMS)) {
            for (Path claim : claims.toList()) {
                if (Files.readAllLines(claim).equals(List.of(dataDir, "build"))) return Integer.parseInt(claim.getFileName().toString());
            }
        }
        throw new AssertionError("no build uid is claimed for " + dataDir);
    }

    /** What a reboot does to one Slipway's claims: /run is a tmpfs. */
    private static void forgetClaimsOf(Path dataDir) throws IOException {
        try (Stream<Path> claims = Files.list(CLAIMS)) {
            for (Path claim : claims.toList()) {
                if (Files.readAllLines(claim).getFirst().equals(dataDir.toAbsolutePath().normalize().toString())) Files.delete(claim);
            }
        }
    }
}
