package io.slipway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.slipway.config.AppDomain;
import java.net.URI;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** An app's endpoint: under {@code /containers/} of the public URL, or its own host with the public URL's scheme and port. */
class EndpointsTest {
    @Test
    void withoutAnAppDomainAnAppIsReachedUnderContainersOfThePublicUrl() {
        Endpoints endpoints = new Endpoints(() -> URI.create("https://slipway.example.com/base"), Optional.empty());
        assertThat(endpoints.of("abc")).isEqualTo("https://slipway.example.com/base/containers/abc");
    }

    @Test
    void withAnAppDomainAnAppIsItsOwnHostWithThePublicUrlsSchemeAndPort() {
        Optional<AppDomain> domain = AppDomain.parse("apps.localhost");
        assertThat(new Endpoints(() -> URI.create("http://localhost:3000"), domain).of("abc")).isEqualTo("http://abc.apps.localhost:3000");
        assertThat(new Endpoints(() -> URI.create("https://slipway.example.com/base"), AppDomain.parse("apps.example.com")).of("abc"))
                .isEqualTo("https://abc.apps.example.com");
    }

    @Test
    void withAnAppDomainAnAppIsStillReachedUnderContainersOfThePublicUrl() {
        Endpoints endpoints = new Endpoints(() -> URI.create("http://localhost:3000"), AppDomain.parse("apps.localhost"));
        assertThat(endpoints.underContainers("abc")).isEqualTo("http://localhost:3000/containers/abc");
        assertThat(endpoints.onOwnHost("abc")).hasValue("http://abc.apps.localhost:3000");
        assertThat(new Endpoints(() -> URI.create("http://localhost:3000"), Optional.empty()).onOwnHost("abc")).isEmpty();
    }

    @Test
    void thePublicUrlIsReadWhenAnEndpointIsAskedFor() {
        URI[] publicUrl = {null};
        Endpoints endpoints = new Endpoints(() -> publicUrl[0], AppDomain.parse("apps.localhost"));
        publicUrl[0] = URI.create("http://localhost:41234");
        assertThat(endpoints.of("abc")).isEqualTo("http://abc.apps.localhost:41234");
    }
}
