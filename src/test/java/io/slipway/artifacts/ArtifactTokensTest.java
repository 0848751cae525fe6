package io.slipway.artifacts;

import static org.assertj.core.api.Assertions.assertThat;

import io.slipway.runtime.Layer;
import io.slipway.testing.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ArtifactTokensTest {
    private static final byte[] SECRET = "thirty-two bytes of secret, at least, for tests".getBytes();
    private static final Layer CODE = Layer.of(Layer.Kind.CODE, "c".repeat(64));
    private static final Layer OTHER = Layer.of(Layer.Kind.CODE, "d".repeat(64));
    private final TestClock clock = new TestClock(Instant.parse("2026-12-02T00:00:00Z"));
    private final ArtifactTokens tokens = new ArtifactTokens(SECRET, clock);

    @Test
    void aGrantOpensTheLayersOfItsAppUntilItExpires() {
        String grant = tokens.grant("app1", List.of(CODE), Duration.ofMinutes(15));

        var verified = tokens.verify(grant).orElseThrow();
        assertThat(verified.allows("app1", CODE.digest())).isTrue();
        assertThat(verified.allows("app1", OTHER.digest())).as("a layer it does not name").isFalse();
        assertThat(verified.allows("app2", CODE.digest())).as("another app").isFalse();

        clock.advance(Duration.ofMinutes(15));
        assertThat(tokens.verify(grant)).as("expired").isEmpty();
    }

    @Test
    void aChangedGrantAGrantOfAnotherSecretAndGarbageAreRefused() {
        String grant = tokens.grant("app1", List.of(CODE), Duration.ofMinutes(15));
        String payload = grant.substring(0, grant.indexOf('.'));
        String forged = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(("app2\n9999999999\n" + CODE.digest()).getBytes())
                + grant.substring(grant.indexOf('.'));

        assertThat(tokens.verify(forged)).isEmpty();
        assertThat(new ArtifactTokens("another secret of thirty-two bytes or more".getBytes(), clock).verify(grant)).isEmpty();
        assertThat(tokens.verify(payload)).isEmpty();
        assertThat(tokens.verify(null)).isEmpty();
        assertThat(tokens.verify("eyJhbGciOiJIUzI1NiJ9.e30.x")).as("a JWT's shape").isEmpty();
    }
}
