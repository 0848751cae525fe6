package io.slipway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code routing.appDomain}: what it accepts, how it is refused, and which hosts it says are an app's. */
class AppDomainTest {
    private static final AppDomain APPS = AppDomain.parse("apps.localhost").orElseThrow();

    private static SlipwayConfig fromEnv(Map<String, String> env) {
        return ConfigLoader.load(null, env, Map.of());
    }

    @Test
    void itIsOffByDefaultAndSetFromItsVariableInLowerCase() {
        assertThat(fromEnv(Map.of()).routing().appDomain()).isEmpty();
        assertThat(fromEnv(Map.of("SLIPWAY_ROUTING_APP_DOMAIN", " Apps.Example.COM. ")).routing().appDomain())
                .hasValueSatisfying(domain -> assertThat(domain.name()).isEqualTo("apps.example.com"));
        assertThat(AppDomain.parse("localhost")).hasValueSatisfying(domain -> assertThat(domain.hostOf("abc")).isEqualTo("abc.localhost"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "https://apps.example.com | leave out the scheme",
            "*.apps.example.com       | leave out the wildcard (apps.example.com for *.apps.example.com)",
            "apps.localhost:3000      | leave out the port: apps' hosts are reached on the port of publicUrl",
            "apps.example.com/x       | leave out the path: an app is reached at / of its own host",
            "apps..example.com        | '' is not a DNS label",
            "apps_1.example.com       | 'apps_1' is not a DNS label",
            "-apps.example.com        | '-apps' is not a DNS label",
            "bücher.example           | 'bücher' is not a DNS label",
            "127.0.0.1                | an IP address has no names below it (apps.localhost works on this machine)",
    })
    void aValueThatIsNoDomainIsRefusedNamingTheKeyTheValueTheVariableAndWhy(String value, String why) {
        assertThatThrownBy(() -> fromEnv(Map.of("SLIPWAY_ROUTING_APP_DOMAIN", value)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("invalid configuration: routing.appDomain = '" + value + "' (from SLIPWAY_ROUTING_APP_DOMAIN): "
                        + "not a DNS name such as apps.example.com or apps.localhost: " + why);
    }

    @Test
    void aDomainWithNoRoomForAnAppIdBeforeItIsRefused() {
        String longest = ("a".repeat(62) + ".").repeat(3) + "a".repeat(37);
        assertThat(AppDomain.parse(longest)).isPresent();
        assertThatThrownBy(() -> AppDomain.parse(longest + "a")).hasMessage("it has 227 characters; at most 226 leave room for an app id before it");
    }

    @Test
    void publicUrlMayBeTheDomainItselfButNoHostBelowIt() {
        assertThat(fromEnv(Map.of("SLIPWAY_ROUTING_APP_DOMAIN", "apps.example.com", "SLIPWAY_PUBLIC_URL", "https://apps.example.com"))
                .publicUrl()).isPresent();
        assertThatThrownBy(() -> fromEnv(Map.of("SLIPWAY_ROUTING_APP_DOMAIN", "example.com", "SLIPWAY_PUBLIC_URL", "https://slipway.example.com")))
                .hasMessage("invalid configuration: publicUrl must not be below routing.appDomain, where every name is an app's: use the "
                        + "domain itself or a name outside it (publicUrl = 'https://slipway.example.com' from SLIPWAY_PUBLIC_URL; "
                        + "routing.appDomain = 'example.com' from SLIPWAY_ROUTING_APP_DOMAIN)");
    }

    @ParameterizedTest
    @CsvSource(nullValues = "null", value = {
            "abc.apps.localhost, abc",
            "ABC.Apps.LocalHost, abc",
            "abc.apps.localhost., abc",
            "x.y.apps.localhost, x.y",
            ".apps.localhost, ''",
            "apps.localhost, null",
            "apps.localhost., null",
            "abc.apps.localhost.., null",
            "abcapps.localhost, null",
            "abc.apps.localhost.evil.com, null",
            "localhost, null",
            "[::1], null",
    })
    void aHostBelowTheDomainNamesWhatComesBeforeItInLowerCase(String host, String label) {
        assertThat(APPS.labelOf(host)).isEqualTo(label);
    }
}
