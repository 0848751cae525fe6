package io.slipway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.slipway.secrets.EnvKey;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code secrets.envKey} and {@code secrets.previousEnvKeys}: validated at start, never printed. */
class SecretSettingsTest {
    @Test
    void operatorKeysAreReadFromVariablesAndPrintedAsIdsOnly() {
        EnvKey current = EnvKey.random();
        EnvKey previous = EnvKey.random();
        SlipwayConfig config = ConfigLoader.load(null, Map.of("SLIPWAY_SECRETS_ENV_KEY", current.hex(),
                "SLIPWAY_SECRETS_PREVIOUS_ENV_KEYS", " " + previous.hex() + " ,"), Map.of());

        assertThat(config.secrets().envKey()).contains(current);
        assertThat(config.secrets().previousEnvKeys()).containsExactly(previous);
        String printed = String.join("\n", ConfigLoader.describe(config));
        assertThat(printed).contains("secrets: envKey=<given, id " + current.id() + "> previousEnvKeys=[" + previous.id() + "]")
                .doesNotContain(current.hex()).doesNotContain(previous.hex());
    }

    @Test
    void withoutAKeySlipwayGeneratesOne() {
        SlipwayConfig config = ConfigLoader.load(null, Map.of(), Map.of());

        assertThat(config.secrets().envKey()).isEmpty();
        assertThat(ConfigLoader.describe(config)).contains("secrets: envKey=<generated> previousEnvKeys=[]");
    }

    @Test
    void aMalformedKeyIsRefusedAtStartByNameAndSourceWithoutEchoingIt() {
        String almost = EnvKey.random().hex().substring(2);

        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("SLIPWAY_SECRETS_ENV_KEY", almost), Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("secrets.envKey").hasMessageContaining("256-bit")
                .hasMessageContaining("SLIPWAY_SECRETS_ENV_KEY").hasMessageNotContaining(almost);
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("SLIPWAY_SECRETS_PREVIOUS_ENV_KEYS", EnvKey.random().hex() + "," + almost),
                Map.of())).hasMessageContaining("secrets.previousEnvKeys (item 2)").hasMessageNotContaining(almost);
    }
}
