package io.slipway.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import io.slipway.config.DataSize;
import io.slipway.testing.SandboxClient;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The part of the runtime contract that a runtime which isolates apps keeps on top of {@link SandboxRuntimeContract}'s
 * lifecycle: limits (a memory hog is killed and reported out-of-memory, a fork bomb meets the pids limit) and the
 * network policy (no way to the host's listeners on any of its IPv4 or IPv6 addresses, nor to another sandbox; egress
 * only with {@link NetworkPolicy#INTERNET}). Every real runtime that isolates subclasses this; the unsandboxed process
 * runtime, which isolates nothing, subclasses only the lifecycle suite. On the fake runtime these are simulated.
 */
public abstract class IsolationContract extends SandboxRuntimeContract {
    /**
     * Where a sandbox allowed the internet dials "the internet": an address outside the machine's networks, and whether
     * something there answers (so that an offline machine can still run the test: it then checks only that a route
     * leads there).
     */
    public record PublicService(InetSocketAddress address, boolean answers) {
    }

    /**
     * Where an INTERNET sandbox dials out. By default a documentation address (TEST-NET-3), which need not answer: the test
     * then checks only that the sandbox has a route there, and is skipped on a machine that itself has none.
     */
    protected PublicService publicService() {
        return new PublicService(new InetSocketAddress("203.0.113.1", 80), false);
    }

    /** A runtime that runs this suite promises isolation: a failure here is a failure, never a skip. */
    @BeforeEach
    void requireIsolation() {
        assertThat(runtime.capabilities().isolated()).as("%s says it isolates nothing; run only SandboxRuntimeContract on it", runtime.name()).isTrue();
    }

    @Test
    void aMemoryHogIsKilledAndReportedOutOfMemory() {
        Started hog = start(ContractApp.HOG, NetworkPolicy.ISOLATED, new SandboxLimits(DataSize.ofMebibytes(128), 64, 1.0), Map.of());

        SandboxExit exit = exitOf(hog.sandbox(), Duration.ofSeconds(30));

        assertThat(exit.outOfMemory()).as("out of memory: %s", exit).isTrue();
        assertThat(exit.exitCode()).as("killed by SIGKILL").isEqualTo(137);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(hog.appLines()).contains("allocating until killed"));
    }

    @Test
    void aForkBombMeetsThePidsLimitWhileTheAppSurvives() {
        Started probe = start(ContractApp.PROBE);
        SandboxClient.awaitAnswer(probe.sandbox(), "/", START);

        JsonObject forks = SandboxClient.json(probe.sandbox().address(), "/fork?n=200");

        assertThat(forks.getInteger("spawned")).as("processes started under a pids limit of %d", LIMITS.pids())
                .isPositive().isLessThan(LIMITS.pids());
        assertThat(forks.getInteger("failed")).as("forks refused").isPositive();
        assertThat(SandboxClient.get(probe.sandbox().address(), "/").statusCode()).as("the app still answers").isEqualTo(200);
        assertThat(probe.sandbox().exited()).isNotDone();
    }

    @ParameterizedTest
    @EnumSource(NetworkPolicy.class)
    void theAppCannotReachAListenerOnTheHostOnAnyOfItsAddressesOverIpv4OrIpv6(NetworkPolicy policy) throws IOException {
        assumeInternet(policy);
        Started probe = start(ContractApp.PROBE, policy, LIMITS, Map.of());
        SandboxClient.awaitAnswer(probe.sandbox(), "/", START);
        int ownPort = Integer.parseInt(SandboxClient.json(probe.sandbox().address(), "/env").getJsonObject("env").getString("PORT"));
        // What stands for Slipway's own port and any service of the host: one listener on IPv4's any address, one on
        // IPv6's (which takes IPv4 too).
        try (ServerSocket v4 = new ServerSocket(0, 50, java.net.InetAddress.getByName("0.0.0.0"));
             ServerSocket v6 = new ServerSocket(0, 50, java.net.InetAddress.getByName("::"))) {
            List<InetSocketAddress> targets = new ArrayList<>();
            for (String host : HostAddresses.asSeenFromASandbox()) {
                for (int port : List.of(v4.getLocalPort(), v6.getLocalPort())) targets.add(InetSocketAddress.createUnresolved(host, port));
            }

            List<JsonObject> results = dial(probe.sandbox(), targets);

            assertThat(results).hasSize(targets.size());
            assertThat(results).filteredOn(r -> r.getBoolean("ok")).as("what the app reached of the host").isEmpty();
        }
        assertThat(dial(probe.sandbox(), List.of(InetSocketAddress.createUnresolved("127.0.0.1", ownPort))))
                .as("its own port, which shows that the probe can dial at all").allMatch(r -> r.getBoolean("ok"));
    }

    @ParameterizedTest
    @EnumSource(NetworkPolicy.class)
    void twoSandboxesCannotReachEachOther(NetworkPolicy policy) {
        assumeInternet(policy);
        Started a = start(ContractApp.PROBE, policy, LIMITS, Map.of());
        Started b = start(ContractApp.PROBE, policy, LIMITS, Map.of());
        SandboxClient.awaitAnswer(a.sandbox(), "/", START);
        SandboxClient.awaitAnswer(b.sandbox(), "/", START);

        assertThat(dial(a.sandbox(), List.of(unresolved(b.sandbox())))).as("a to b").noneMatch(r -> r.getBoolean("ok"));
        assertThat(dial(b.sandbox(), List.of(unresolved(a.sandbox())))).as("b to a").noneMatch(r -> r.getBoolean("ok"));
    }

    @Test
    void anIsolatedSandboxReachesNothingOutside() {
        Started probe = start(ContractApp.PROBE);
        SandboxClient.awaitAnswer(probe.sandbox(), "/", START);

        JsonObject result = dial(probe.sandbox(), List.of(unresolved(publicService().address()))).getFirst();

        assertThat(result.getBoolean("ok")).as("dialled %s", result).isFalse();
    }

    @Test
    void anInternetSandboxReachesAPublicAddress() {
        assumeInternet(NetworkPolicy.INTERNET);
        PublicService outside = publicService();
        assumeThat(outside.answers() || hostHasARouteTo(outside.address()))
                .as("this machine itself has no route to %s: a sandbox's route there cannot be told from none", outside.address()).isTrue();
        Started probe = start(ContractApp.PROBE, NetworkPolicy.INTERNET, LIMITS, Map.of());
        SandboxClient.awaitAnswer(probe.sandbox(), "/", START);

        JsonObject result = dial(probe.sandbox(), List.of(unresolved(outside.address()))).getFirst();

        if (outside.answers()) {
            assertThat(result.getBoolean("ok")).as("dialled %s", result).isTrue();
        } else {
            // Offline, nothing need answer; but a sandbox with a route out is not told at once that there is none.
            assertThat(result.getString("code")).as("dialled %s", result).isNotEqualTo("ENETUNREACH");
        }
    }

    private void assumeInternet(NetworkPolicy policy) {
        if (policy == NetworkPolicy.INTERNET) {
            assumeThat(runtime.capabilities().internetEgress())
                    .as("%s, as configured here, gives no internet egress: INTERNET is refused, so there is nothing to test", runtime.name())
                    .isTrue();
        }
    }

    /** Whether a connection from the host to {@code address} gets past the host's own routing (it need not connect). */
    private static boolean hostHasARouteTo(InetSocketAddress address) {
        try (java.net.Socket socket = new java.net.Socket()) {
            socket.connect(address, 500);
            return true;
        } catch (java.net.NoRouteToHostException e) {
            return false;
        } catch (IOException e) {
            return !String.valueOf(e.getMessage()).contains("Network is unreachable");
        }
    }

    private static InetSocketAddress unresolved(Sandbox sandbox) {
        return unresolved((InetSocketAddress) sandbox.address());
    }

    private static InetSocketAddress unresolved(InetSocketAddress address) {
        String host = address.getAddress() != null ? address.getAddress().getHostAddress() : address.getHostString();
        return InetSocketAddress.createUnresolved(host, address.getPort());
    }}
