package io.slipway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AuthSettingsTest {
    @Test
    void byDefaultOnlyLocalTokensAreAccepted() {
        var auth = ConfigLoader.load(null, Map.of(), Map.of()).auth();
        assertThat(auth.localTokens()).isTrue();
        assertThat(auth.jwksUrl()).isEmpty();
        assertThat(auth.jwksCacheTtl()).isEqualTo(Duration.ofMinutes(10));
        assertThat(auth.jwksMinRefreshInterval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(auth.admins()).isEmpty();
    }

    @Test
    void identityProviderIsConfiguredFromTheEnvironment() {
        var auth = ConfigLoader.load(null, Map.of("SLIPWAY_AUTH_JWKS_URL", "https://idp.example/.well-known/jwks.json",
                "SLIPWAY_AUTH_ISSUER", "https://idp.example/", "SLIPWAY_AUTH_AUDIENCE", "slipway", "SLIPWAY_AUTH_LOCAL_TOKENS", "false",
                "SLIPWAY_AUTH_ADMINS", "alice, bob,,"), Map.of()).auth();
        assertThat(auth.jwksUrl()).contains(URI.create("https://idp.example/.well-known/jwks.json"));
        assertThat(auth.localTokens()).isFalse();
        assertThat(auth.admins()).containsExactlyInAnyOrder("alice", "bob");
    }

    @Test
    void identityProviderWithoutIssuerOrAudienceIsRefused() {
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("SLIPWAY_AUTH_JWKS_URL", "https://idp.example/jwks",
                "SLIPWAY_AUTH_ISSUER", "https://idp.example/"), Map.of()))
                .hasMessageContaining("auth.issuer and auth.audience are required when auth.jwksUrl is set");
    }

    @Test
    void turningLocalTokensOffWithoutAnIdentityProviderIsRefused() {
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("SLIPWAY_AUTH_LOCAL_TOKENS", "false"), Map.of()))
                .hasMessageContaining("auth.localTokens=false needs auth.jwksUrl");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("SLIPWAY_AUTH_LOCAL_TOKENS", "no"), Map.of()))
                .hasMessageContaining("auth.localTokens = 'no' (from SLIPWAY_AUTH_LOCAL_TOKENS): must be true or false");
    }

    @Test
    void describeNamesTheIdentityProvider() {
        SlipwayConfig c = ConfigLoader.load(null, Map.of("SLIPWAY_AUTH_JWKS_URL", "https://user:s3cret@idp.example/jwks",
                "SLIPWAY_AUTH_ISSUER", "https://idp.example/", "SLIPWAY_AUTH_AUDIENCE", "slipway"), Map.of());
        assertThat(String.join("\n", ConfigLoader.describe(c))).contains("auth: localTokens=true jwksUrl=https://***@idp.example/jwks "
                + "issuer=https://idp.example/ audience=slipway").doesNotContain("s3cret");
    }
}
