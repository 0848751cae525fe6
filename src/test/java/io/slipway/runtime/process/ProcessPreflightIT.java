package io.slipway.runtime.process;

import io.slipway.runtime.host.HostUids;
import static org.assertj.core.api.Assertions.assertThat;

import io.slipway.app.DataDir;
import io.slipway.config.SlipwayConfig;
import io.slipway.config.SlipwayConfig.SandboxSettings.Egress;
import io.slipway.runtime.Preflight;
import io.slipway.sandbox.HostTools;
import io.slipway.sandbox.SandboxLabel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The process runtime's preflight notices when the firewall that keeps sandboxes from the host is not as it installed
 * it: a jump removed, a chain flushed or given a rule more. Each test puts back what it broke.
 */
class ProcessPreflightIT {
    // These tests start no app: nothing asks where layers are or which uid an app runs as.
    private static final LocalLayers NO_LAYERS = (app, layer) -> { throw new AssertionError("no app is started here"); };

    @TempDir
    Path dataDir;

    @org.junit.jupiter.api.AfterEach
    void releaseUids() {
        io.slipway.testing.TestServer.releaseUidClaims(dataDir);
    }

    @Test
    void aFreshRuntimePassesItsPreflight() {
        try (var runtime = runtime(Egress.NAT)) {
            assertThat(runtime.check().problems()).isEmpty();
        }
    }

    @Test
    void aRemovedJumpFailsThePreflightUntilItIsBack() throws Exception {
        try (var runtime = runtime(Egress.NONE)) {
            String chain = "SW-FWD-" + SandboxLabel.of(dataDir);
            assertThat(iptables("-D", "FORWARD", "-j", chain)).isZero();
            Preflight broken;
            try {
                broken = runtime.check();
            } finally {
                assertThat(iptables("-I", "FORWARD", "-j", chain)).isZero();
            }

            assertThat(broken.ok()).isFalse();
            assertThat(broken.problems()).singleElement().asString().contains("FORWARD no longer jumps to " + chain);
            assertThat(runtime.check().problems()).isEmpty();
        }
    }

    @Test
    void aRemovedIpv6JumpFailsThePreflightToo() throws Exception {
        try (var runtime = runtime(Egress.NONE)) {
            String chain = "SW-IN-" + SandboxLabel.of(dataDir);
            assertThat(run("ip6tables", "-D", "INPUT", "-j", chain)).isZero();
            Preflight broken;
            try {
                broken = runtime.check();
            } finally {
                assertThat(run("ip6tables", "-I", "INPUT", "-j", chain)).isZero();
            }

            assertThat(broken.problems()).singleElement().asString().contains("ip6tables's INPUT no longer jumps to " + chain);
            assertThat(runtime.check().problems()).isEmpty();
        }
    }

    @Test
    void aFlushedOrExtendedChainFailsThePreflight() throws Exception {
        try (var runtime = runtime(Egress.NONE)) {
            String chain = "SW-IN-" + SandboxLabel.of(dataDir);
            List<String> rules = rulesOf(chain);
            // An ACCEPT in front of the chain's own rules would let sandboxes reach the host.
            assertThat(iptables("-I", chain, "-j", "ACCEPT")).isZero();
            assertThat(runtime.check().problems()).singleElement().asString().contains("chain " + chain + " is not as Slipway installed it");
            assertThat(iptables("-F", chain)).isZero();
            assertThat(runtime.check().problems()).singleElement().asString().contains(chain);

            for (String rule : rules) {
                List<String> args = new ArrayList<>(List.of(rule.split(" ")));
                if (args.getFirst().equals("-A")) assertThat(iptables(args.toArray(String[]::new))).isZero();
            }
            assertThat(runtime.check().problems()).isEmpty();
        }
    }

    @Test
    void withoutTheSandboxNothingIsPromisedAndNothingChecked() {
        try (var runtime = new UnsandboxedRuntime(HostTools.find(), new DataDir(dataDir), NO_LAYERS)) {
            assertThat(runtime.check().ok()).isTrue();
        }
    }

    private ProcessSandboxRuntime runtime(Egress egress) {
        var settings = SlipwayConfig.defaults(dataDir).sandbox().withEgress(egress, "");
        return new ProcessSandboxRuntime(HostTools.find(), new DataDir(dataDir), settings, NO_LAYERS, HostUids.open(new DataDir(dataDir), settings));
    }

    private static List<String> rulesOf(String chain) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("iptables", "-w", "-S", chain).redirectErrorStream(true).start();
        List<String> lines = new String(p.getInputStream().readAllBytes()).lines().toList();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
        return lines;
    }

    private static int iptables(String... args) throws IOException, InterruptedException {
        return run("iptables", args);
    }

    private static int run(String tool, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(tool, "-w"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return p.exitValue();
    }
}
