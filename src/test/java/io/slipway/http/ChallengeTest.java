package io.slipway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ChallengeTest {
    /** RFC 6750 §3's grammar for the parameters Slipway sends. */
    private static final String VALUE = "\"[\\x20\\x21\\x23-\\x5B\\x5D-\\x7E]+\"";

    @Test
    void aRequestWithoutCredentialsIsToldOnlyTheSchemeAndRealm() {
        assertThat(Challenge.bearer().header()).isEqualTo("Bearer realm=\"slipway\"");
    }

    @Test
    void refusedCredentialsAreToldTheErrorCodeAndWhy() {
        assertThat(Challenge.bearer().invalidToken("the token has expired").header())
                .isEqualTo("Bearer realm=\"slipway\", error=\"invalid_token\", error_description=\"the token has expired\"");
        assertThat(Challenge.bearer().invalidRequest("no token after Bearer").header())
                .isEqualTo("Bearer realm=\"slipway\", error=\"invalid_request\", error_description=\"no token after Bearer\"");
    }

    @Test
    void aReasonCannotBreakTheHeaderOrForgeAParameter() {
        String header = Challenge.bearer().invalidToken("the \"kid\" \\ is\r\nSet-Cookie: x=1\", error=\"none – ünicode").header();

        assertThat(header).matches("Bearer realm=" + VALUE + ", error=" + VALUE + ", error_description=" + VALUE);
        assertThat(header).doesNotContain("\r", "\n", "\\").contains("error=\"invalid_token\"");
        assertThat(header).contains("error_description=\"the 'kid' / is??Set-Cookie: x=1', error='none ? ?nicode\"");
    }

    @Test
    void aLongReasonIsCut() {
        String header = Challenge.bearer().invalidToken("x".repeat(10_000)).header();

        assertThat(header).hasSizeLessThan(300).endsWith("x\"");
    }

    @Test
    void anEmptyValueIsLeftOut() {
        assertThat(Challenge.bearer().invalidToken("  ").header()).isEqualTo("Bearer realm=\"slipway\", error=\"invalid_token\"");
    }

    @Test
    void aProblemOf401CarriesItsChallengeAndNoOtherProblemAChallenge() {
        Map<String, String> headers = new LinkedHashMap<>();
        Problem.unauthorized("invalid-token", "the token has expired", Challenge.bearer().invalidToken("the token has expired"))
                .forEachHeader(headers::put);
        assertThat(headers).containsEntry("WWW-Authenticate",
                "Bearer realm=\"slipway\", error=\"invalid_token\", error_description=\"the token has expired\"")
                .containsEntry("X-Slipway-Error", "invalid-token").containsEntry("Content-Type", Problem.CONTENT_TYPE);

        Map<String, String> notFound = new LinkedHashMap<>();
        Problem.of(404, "not-found", "Not Found", "no such app").forEachHeader(notFound::put);
        assertThat(notFound).doesNotContainKey("WWW-Authenticate");
    }

    @Test
    void a401WithoutAChallengeIsABug() {
        assertThatThrownBy(() -> Problem.of(401, "unauthorized", "Unauthorized", "who are you?"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("challenge");
    }
}
