package io.slipway.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.slipway.testing.SlipwayServerExtension.DataDir;
import io.slipway.testing.SlipwayServerExtension.Token;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;

/**
 * {@link SlipwayServerExtension} on small test classes of its own (the fixtures below), run through JUnit's test kit:
 * what they are given, and that the server is stopped, its uid claims released and its data dir removed after the
 * class, however the class ended.
 */
class SlipwayServerExtensionIT {
    private static final String FIXTURES = "slipway.extension.fixtures";
    private static final Path CLAIMS = Path.of("/run/slipway-uids");
    /** What the fixtures saw while they ran. */
    static final Map<String, Object> seen = new ConcurrentHashMap<>();

    @BeforeEach
    void forgetWhatEarlierFixturesSaw() {
        seen.clear();
    }

    @Test
    void aClassGetsOneServerWithItsDataDirAndTokensInFieldsAndParametersAndNothingIsLeftAfterIt() {
        EngineExecutionResults results = run(Injected.class);

        results.testEvents().assertStatistics(stats -> stats.started(2).succeeded(2));
        TestServer server = (TestServer) seen.get("server");
        assertThat(seen.get("server from the other test")).as("one server per class").isSameAs(server);
        assertThat(seen.get("dataDir")).isEqualTo(server.dataDir());
        assertThat((Integer) seen.get("claims while it ran")).as("uids claimed while it ran").isPositive();
        assertGone(server);
    }

    @Test
    void aTestThatFailsStillLeavesNothingBehind() {
        EngineExecutionResults results = run(FailingSample.class);

        results.testEvents().assertStatistics(stats -> stats.started(1).failed(1));
        assertGone((TestServer) seen.get("server"));
    }

    @Test
    void aBeforeAllThatFailsAfterTheStartStillLeavesNothingBehind() {
        EngineExecutionResults results = run(FailingBeforeAll.class);

        assertThat(failures(results)).singleElement().satisfies(e -> assertThat(e).hasMessage("the app would not deploy"));
        assertGone((TestServer) seen.get("server"));
    }

    @Test
    void aStartThatFailsHalfWayFailsTheClassSayingWhyAndLeavesNoDataDirNorUidClaims() {
        EngineExecutionResults results = run(FailingStart.class);

        results.testEvents().assertStatistics(stats -> stats.started(0));
        Path dataDir = (Path) seen.get("dataDir");
        assertThat(failures(results)).singleElement().satisfies(e -> assertThat(e).hasMessageContaining("Slipway did not start for "
                + FailingStart.class.getName() + " (data dir " + dataDir + ")").hasCauseInstanceOf(Exception.class));
        assertThat(dataDir).doesNotExist();
        assertThat(claimsOf(dataDir)).isEmpty();
    }

    @Test
    void aNestedClassSharesItsEnclosingClasssServerUnlessItRegistersOneOfItsOwn() {
        EngineExecutionResults results = run(Outer.class);

        results.testEvents().assertStatistics(stats -> stats.started(2).succeeded(2));
        TestServer outer = (TestServer) seen.get("outer");
        assertThat(seen.get("shared")).isSameAs(outer);
        TestServer own = (TestServer) seen.get("own");
        assertThat(own).isNotSameAs(outer);
        assertThat(seen.get("own field")).isSameAs(own);
        assertThat(seen.get("own dataDir")).isEqualTo(own.dataDir());
        assertGone(outer);
        assertGone(own);
    }

    @Test
    void aTokenFieldThatIsNotStaticFailsTheClassAndLeavesNothingBehind() {
        EngineExecutionResults results = run(InstanceTokenField.class);

        assertThat(failures(results)).singleElement().isInstanceOf(ExtensionConfigurationException.class)
                .satisfies(e -> assertThat(e).hasMessageContaining("@Token").hasMessageContaining("static"));
        assertThat((Path) seen.get("dataDir")).doesNotExist();
        assertThat(claimsOf((Path) seen.get("dataDir"))).isEmpty();
    }

    // --- the fixtures ---------------------------------------------------------------------------------------------

    @ExtendWith(OnlyInTestKit.class)
    static class Injected {
        @RegisterExtension
        static final SlipwayServerExtension slipway = SlipwayServerExtension.withDefaults();
        static TestServer server;
        @DataDir
        static Path dataDir;
        @Token("alice")
        static String alice;

        @Test
        void fieldsAndParametersAreTheServersAndTheTokenIsValid(TestServer parameter, @DataDir Path dir, @Token("bob") String bob) {
            assertThat(parameter).isSameAs(server);
            assertThat(dir).isEqualTo(dataDir);
            assertThat(server.get("/api/usage", alice).statusCode()).isEqualTo(200);
            assertThat(server.get("/api/usage", bob).statusCode()).isEqualTo(200);
            seen.put("server", server);
            seen.put("dataDir", dataDir);
            seen.put("claims while it ran", claimsOf(dataDir).size());
        }

        @Test
        void aSecondTestSeesTheSameServer() {
            seen.put("server from the other test", server);
        }
    }

    @ExtendWith(OnlyInTestKit.class)
    static class FailingSample {
        @RegisterExtension
        static final SlipwayServerExtension slipway = SlipwayServerExtension.withConfig(TestServer::fastLifecycle);
        static TestServer server;

        @Test
        void fails() {
            seen.put("server", server);
            assertThat(server.get("/healthz", null).statusCode()).isEqualTo(418);
        }
    }

    @ExtendWith(OnlyInTestKit.class)
    static class FailingBeforeAll {
        @RegisterExtension
        static final SlipwayServerExtension slipway = SlipwayServerExtension.withDefaults();

        @BeforeAll
        static void deploy(TestServer server) {
            seen.put("server", server);
            throw new IllegalStateException("the app would not deploy");
        }

        @Test
        void neverRuns() {
        }
    }

    @ExtendWith(OnlyInTestKit.class)
    static class FailingStart {
        /** A TEST-NET-3 address (RFC 5737), on no interface here: Slipway claims uids and builds its runtime, then cannot listen. */
        @RegisterExtension
        static final SlipwayServerExtension slipway = SlipwayServerExtension.withExactConfig(dataDir -> {
            seen.put("dataDir", dataDir);
            return TestServer.config(dataDir, Map.of("host", "203.0.113.1"));
        });

        @Test
        void neverRuns() {
        }
    }

    @ExtendWith(OnlyInTestKit.class)
    static class Outer {
        @RegisterExtension
        static final SlipwayServerExtension slipway = SlipwayServerExtension.withDefaults();
        static TestServer server;

        @Nested
        class Shared {
            @Test
            void getsTheEnclosingClasssServer(TestServer parameter) {
                seen.put("outer", server);
                seen.put("shared", parameter);
            }
        }

        @Nested
        class Own {
            @RegisterExtension
            static final SlipwayServerExtension own = SlipwayServerExtension.withKeys(Map.of("proxy.idleTimeout", "5s"));
            static TestServer ownServer;

            @Test
            void getsItsOwn(TestServer parameter, @DataDir Path dataDir) {
                seen.put("own", parameter);
                seen.put("own field", ownServer);
                seen.put("own dataDir", dataDir);
            }
        }
    }

    @ExtendWith(OnlyInTestKit.class)
    static class InstanceTokenField {
        @RegisterExtension
        static final SlipwayServerExtension slipway = SlipwayServerExtension.withExactConfig(dataDir -> {
            seen.put("dataDir", dataDir);
            return TestServer.config(dataDir);
        });
        @Token("alice")
        String alice;

        @Test
        void neverRuns() {
        }
    }

    /** The fixtures run only when this IT runs them, never when a build or an IDE comes across them. */
    static final class OnlyInTestKit implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            return context.getConfigurationParameter(FIXTURES).isPresent() ? ConditionEvaluationResult.enabled("run by the test kit")
                    : ConditionEvaluationResult.disabled("a fixture of SlipwayServerExtensionIT");
        }
    }

    // --- helpers --------------------------------------------------------------------------------------------------

    private static EngineExecutionResults run(Class<?> fixture) {
        return EngineTestKit.engine("junit-jupiter").configurationParameter(FIXTURES, "true").selectors(selectClass(fixture)).execute();
    }

    /** The exceptions that failed containers (classes) or tests. */
    private static List<Throwable> failures(EngineExecutionResults results) {
        return results.allEvents().failed().stream().map(e -> e.getRequiredPayload(TestExecutionResult.class).getThrowable().orElseThrow())
                .toList();
    }

    /** The server no longer listens, its data dir is gone, and no uid is claimed for it. */
    private static void assertGone(TestServer server) {
        assertThat(server).as("the fixture saw a server").isNotNull();
        assertThatThrownBy(() -> {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", server.base().getPort()), 2_000);
            }
        }).as("a connection to the stopped server's port").isInstanceOf(IOException.class);
        assertThat(server.dataDir()).doesNotExist();
        assertThat(claimsOf(server.dataDir())).isEmpty();
    }

    /** The machine-wide uid claims held for {@code dataDir}: files whose first line names it. */
    private static List<Path> claimsOf(Path dataDir) {
        if (!Files.isDirectory(CLAIMS)) return List.of();
        String holder = dataDir.toAbsolutePath().normalize().toString();
        try (Stream<Path> files = Files.list(CLAIMS)) {
            return files.filter(file -> holder.equals(firstLine(file))).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String firstLine(Path file) {
        try {
            return Files.readAllLines(file).stream().findFirst().orElse(null);
        } catch (NoSuchFileException released) {
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
