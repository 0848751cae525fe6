package io.slipway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every configuration error names the key, the value and where the value came from. */
class ConfigErrorsTest {
    private static SlipwayConfig fromEnv(String variable, String value) {
        return ConfigLoader.load(null, Map.of(variable, value), Map.of());
    }

    @ParameterizedTest
    @ValueSource(strings = {"1", "0", "yes", "no", "on", "off", "", "ture"})
    void sandboxEnabledAcceptsOnlyTrueOrFalse(String value) {
        assertThatThrownBy(() -> fromEnv("SLIPWAY_SANDBOX_ENABLED", value)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("invalid configuration: sandbox.enabled = '" + value + "' (from SLIPWAY_SANDBOX_ENABLED): must be true or false");
    }

    @ParameterizedTest
    @ValueSource(strings = {"1", "yes", "no"})
    void authLocalTokensAcceptsOnlyTrueOrFalse(String value) {
        assertThatThrownBy(() -> fromEnv("SLIPWAY_AUTH_LOCAL_TOKENS", value))
                .hasMessage("invalid configuration: auth.localTokens = '" + value + "' (from SLIPWAY_AUTH_LOCAL_TOKENS): must be true or false");
    }

    @Test
    void booleansIgnoreCaseAndSurroundingSpace() {
        assertThat(fromEnv("SLIPWAY_SANDBOX_ENABLED", " FALSE ").sandbox().enabled()).isFalse();
        assertThat(fromEnv("SLIPWAY_SANDBOX_ENABLED", "True").sandbox().enabled()).isTrue();
        assertThat(fromEnv("SLIPWAY_AUTH_LOCAL_TOKENS", "TRUE").auth().localTokens()).isTrue();
    }

    @Test
    void yesInTheFileIsNotABooleanEither(@TempDir Path dir) throws Exception {
        // YAML 1.1 would read yes/no/on/off as booleans and 010 as eight: the file's values are text, as in a variable.
        Path yaml = dir.resolve("slipway.yaml");
        Files.writeString(yaml, "sandbox:\n  enabled: yes\n");
        assertThatThrownBy(() -> ConfigLoader.load(yaml, Map.of(), Map.of()))
                .hasMessage("invalid configuration: sandbox.enabled = 'yes' (from " + yaml + "): must be true or false");
        Files.writeString(yaml, "port: 010\n");
        assertThat(ConfigLoader.load(yaml, Map.of(), Map.of()).port()).isEqualTo(10);
    }

    @Test
    void aWholeNumberThatIsNotOneNamesItsKeyAndVariable() {
        assertThatThrownBy(() -> fromEnv("SLIPWAY_PORT", "abc"))
                .hasMessage("invalid configuration: port = 'abc' (from SLIPWAY_PORT): not a whole number");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), Map.of("sandbox.uidBase", "99999999999")))
                .hasMessage("invalid configuration: sandbox.uidBase = '99999999999' (from --sandbox.uidBase): out of range");
        assertThatThrownBy(() -> fromEnv("SLIPWAY_INSTANCES_MAX_RUNNING", "lots"))
                .hasMessage("invalid configuration: instances.maxRunning = 'lots' (from SLIPWAY_INSTANCES_MAX_RUNNING): "
                        + "not a whole number or auto");
    }

    @Test
    void aSizeThatIsNotOneNamesItsKeyAndFile(@TempDir Path dir) throws Exception {
        Path yaml = dir.resolve("slipway.yaml");
        Files.writeString(yaml, "upload:\n  maxFileSize: 1 lightyear\n");
        assertThatThrownBy(() -> ConfigLoader.load(yaml, Map.of(), Map.of()))
                .hasMessage("invalid configuration: upload.maxFileSize = '1 lightyear' (from " + yaml + "): "
                        + "not a size (use e.g. 512KiB, 1MiB, 2GiB)");
        assertThatThrownBy(() -> fromEnv("SLIPWAY_PROXY_MAX_BODY_SIZE", "99999999999TiB"))
                .hasMessage("invalid configuration: proxy.maxBodySize = '99999999999TiB' (from SLIPWAY_PROXY_MAX_BODY_SIZE): too large");
    }

    @Test
    void aDurationThatIsNotOneNamesItsKeyAndFlag() {
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), Map.of("instances.startTimeout", "soon")))
                .hasMessage("invalid configuration: instances.startTimeout = 'soon' (from --instances.startTimeout): "
                        + "not a duration (use e.g. 30s, 10m, 2h or a number of seconds)");
    }

    @Test
    void aDecimalThatIsNotOneNamesItsKey() {
        assertThatThrownBy(() -> fromEnv("SLIPWAY_PLANS_PRO_CPUS", "two"))
                .hasMessage("invalid configuration: plans.pro.cpus = 'two' (from SLIPWAY_PLANS_PRO_CPUS): not a number (use e.g. 0.5 or 2)");
        // Double.parseDouble would take these, and NaN passes every "at least" check.
        assertThatThrownBy(() -> fromEnv("SLIPWAY_PLANS_PRO_CPUS", "NaN")).hasMessageContaining("not a number");
        assertThatThrownBy(() -> fromEnv("SLIPWAY_PLANS_FREE_REQUESTS_PER_SECOND", "50d")).hasMessageContaining("not a number");
        assertThat(fromEnv("SLIPWAY_PLANS_PRO_CPUS", ".5").plan("pro").cpus()).isEqualTo(0.5);
    }

    @Test
    void aChoiceThatIsNotOneOfItsWordsNamesThem() {
        assertThatThrownBy(() -> fromEnv("SLIPWAY_BUILD_NETWORK", "bridge"))
                .hasMessage("invalid configuration: build.network = 'bridge' (from SLIPWAY_BUILD_NETWORK): must be proxy or host");
        assertThatThrownBy(() -> fromEnv("SLIPWAY_SANDBOX_EGRESS", "open"))
                .hasMessage("invalid configuration: sandbox.egress = 'open' (from SLIPWAY_SANDBOX_EGRESS): must be none or nat");
    }

    @Test
    void aUrlThatIsNotOneNamesItsKey() {
        assertThatThrownBy(() -> fromEnv("SLIPWAY_PUBLIC_URL", "http://exa mple.com"))
                .hasMessageStartingWith("invalid configuration: publicUrl = 'http://exa mple.com' (from SLIPWAY_PUBLIC_URL): not a URL");
    }

    @Test
    void aValueOutOfItsBoundsNamesWhereEachKeyInvolvedCameFrom() {
        assertThatThrownBy(() -> fromEnv("SLIPWAY_SANDBOX_PIDS", "4"))
                .hasMessage("invalid configuration: sandbox.pids must be at least 8 (sandbox.pids = '4' from SLIPWAY_SANDBOX_PIDS)");
        assertThatThrownBy(() -> fromEnv("SLIPWAY_APPS_MAX_SLEEP_AFTER", "1m"))
                .hasMessage("invalid configuration: apps.maxSleepAfter must be at least apps.defaultSleepAfter "
                        + "(apps.maxSleepAfter = '1m' from SLIPWAY_APPS_MAX_SLEEP_AFTER; apps.defaultSleepAfter = '10m' by default)");
        assertThatThrownBy(() -> fromEnv("SLIPWAY_PORT", "70000"))
                .hasMessage("invalid configuration: port must be 0..65535, not 70000 (port = '70000' from SLIPWAY_PORT)");
        assertThatThrownBy(() -> fromEnv("SLIPWAY_UPLOAD_MAX_ENV_ENTRIES", "-1"))
                .hasMessage("invalid configuration: upload.maxEnvEntries cannot be negative (upload.maxEnvEntries = '-1' from SLIPWAY_UPLOAD_MAX_ENV_ENTRIES)");
    }

    @Test
    void anUnknownKeyInTheFileSuggestsTheClosestKnownOne(@TempDir Path dir) throws Exception {
        Path yaml = dir.resolve("slipway.yaml");
        Files.writeString(yaml, "instances:\n  startTimout: 5s\n");
        assertThatThrownBy(() -> ConfigLoader.load(yaml, Map.of(), Map.of()))
                .hasMessage("invalid configuration: unknown key 'instances.startTimout' in " + yaml + " (did you mean instances.startTimeout?)");
    }

    @Test
    void aFileThatIsNotYamlIsAConfigurationErrorNamingIt(@TempDir Path dir) throws Exception {
        Path yaml = dir.resolve("slipway.yaml");
        Files.writeString(yaml, "port: 3000\n  host: [\n");
        assertThatThrownBy(() -> ConfigLoader.load(yaml, Map.of(), Map.of())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("invalid configuration: " + yaml + " is not valid YAML");
    }
}
