package io.slipway.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code SLIPWAY_*} environment variables: the keys they name, and the ones that name none. */
class ConfigVariablesTest {
    @Test
    void aMisspeltVariableIsReportedWithTheClosestKnownName() {
        var report = Variables.unknown(Map.of("SLIPWAY_SANDBOX_ENABLE", "false", "SLIPWAY_INSTANCE_START_TIMEOUT", "5s"));
        assertThat(report).containsExactly(
                "SLIPWAY_INSTANCE_START_TIMEOUT is set but names no configuration key, so it is ignored (did you mean SLIPWAY_INSTANCES_START_TIMEOUT?)",
                "SLIPWAY_SANDBOX_ENABLE is set but names no configuration key, so it is ignored (did you mean SLIPWAY_SANDBOX_ENABLED?)");
    }

    @Test
    void aVariableLikeNoKeyIsReportedWithoutAGuess() {
        assertThat(Variables.unknown(Map.of("SLIPWAY_WHATEVER", "1")))
                .containsExactly("SLIPWAY_WHATEVER is set but names no configuration key, so it is ignored");
    }

    @Test
    void knownKeysTheLauncherTheSandboxAndTheClientsOwnVariablesAndOthersAreNotReported() {
        assertThat(Variables.unknown(Map.of("SLIPWAY_PORT", "1", "SLIPWAY_AUTH_LOCAL_TOKENS", "true", "SLIPWAY_JAR", "x.jar",
                "SLIPWAY_JAVA_OPTS", "-Xmx1g", "SLIPWAY_SANDBOX", "a:b", "SLIPWAY_SERVER", "http://x", "SLIPWAY_TOKEN", "t",
                "PATH", "/bin", "slipway_port", "1", "SLIPWAY_PLANS_TEAM_APPS", "5"))).isEmpty();
    }

    @Test
    void aMisspeltFieldOfACustomPlanIsReportedWithThatPlansField() {
        assertThat(Variables.unknown(Map.of("SLIPWAY_PLANS_TEAM_APP", "5")))
                .containsExactly("SLIPWAY_PLANS_TEAM_APP is set but names no configuration key, so it is ignored (did you mean SLIPWAY_PLANS_TEAM_APPS?)");
        // Plan names are lower case without '_': this one could never be named by a key.
        assertThat(Variables.unknown(Map.of("SLIPWAY_PLANS_BIG_TEAM_APPS", "5"))).hasSize(1);
    }

    @Test
    void customPlansCanBeConfiguredFromTheEnvironmentAboveTheFile(@TempDir Path dir) throws Exception {
        Path yaml = dir.resolve("slipway.yaml");
        Files.writeString(yaml, "plans:\n  team:\n    apps: 100\n    cpus: 3\n");

        SlipwayConfig c = ConfigLoader.load(yaml, Map.of("SLIPWAY_PLANS_TEAM_APPS", "200", "SLIPWAY_PLANS_TEAM_MAX_SLEEP_AFTER", "1h",
                "SLIPWAY_PLANS_BIG-TEAM_MEMORY", "4GiB"), Map.of());

        assertThat(c.plan("team").name()).isEqualTo("team");
        assertThat(c.plan("team").apps()).isEqualTo(200);
        assertThat(c.plan("team").cpus()).isEqualTo(3);
        assertThat(c.plan("team").maxSleepAfter()).isEqualTo(Duration.ofHours(1));
        assertThat(c.plan("team").memory()).isEqualTo(DataSize.parse("256MiB"));
        assertThat(c.plan("big-team").memory()).isEqualTo(DataSize.parse("4GiB"));
    }

    @Test
    void eachKeysVariableIsItsNameInUpperSnakeCase() {
        assertThat(Variables.nameOf("instances.startTimeout")).isEqualTo("SLIPWAY_INSTANCES_START_TIMEOUT");
        assertThat(Variables.keyOf("SLIPWAY_INSTANCES_START_TIMEOUT")).contains("instances.startTimeout");
        assertThat(Variables.keyOf("SLIPWAY_PLANS_TEAM_ACTIVE_TIME_PER_MONTH")).contains("plans.team.activeTimePerMonth");
        assertThat(Variables.keyOf("SLIPWAY_JAR")).isEmpty();
    }
}
