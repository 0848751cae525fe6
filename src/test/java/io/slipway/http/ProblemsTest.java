package io.slipway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.slipway.app.InvalidInputException;
import io.slipway.app.SlipwayError;
import io.slipway.app.SlipwayError.Kind;
import io.slipway.build.BuildFailedException;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ProblemsTest {
    /** The statuses clients rely on (DESIGN §2): a change here is a change of the contract. */
    private static final Map<Kind, Integer> STATUSES = new EnumMap<>(Map.of(
            Kind.INVALID_INPUT, 400, Kind.TOO_LARGE, 413, Kind.NOT_FOUND, 404, Kind.FORBIDDEN, 403, Kind.QUOTA_EXCEEDED, 403,
            Kind.THROTTLED, 429, Kind.UNAVAILABLE, 503, Kind.UNPROCESSABLE, 422, Kind.APP_FAILED, 502, Kind.INTERNAL, 500));

    @ParameterizedTest
    @EnumSource(Kind.class)
    void everyKindMapsToTheStatusItHasAlwaysHad(Kind kind) {
        assertThat(STATUSES).as("every kind has its status pinned here").containsKey(kind);
        assertThat(Problems.status(kind)).isEqualTo(STATUSES.get(kind));
        Problem problem = Problems.of(new SlipwayError(kind, "some-slug", "what was wrong"));
        assertThat(problem.status()).isEqualTo(STATUSES.get(kind));
        assertThat(problem.title()).isNotBlank();
        assertThat(problem.toJson().getString("type")).isEqualTo(Problem.TYPE_PREFIX + "some-slug");
    }

    @Test
    void theCoresErrorsKeepTheirSlugsAndStatuses() {
        assertStatus(new InvalidInputException("invalid-env", "env must be a JSON object"), 400, "invalid-env");
        assertStatus(InvalidInputException.tooLarge("file-too-large", "the file has 9 bytes"), 413, "file-too-large");
        assertStatus(new BuildFailedException("npm install exited with 1", "npm ERR! 404"), 422, "build-failed");
        assertStatus(new SlipwayError(Kind.QUOTA_EXCEEDED, "quota-exceeded", "the free plan allows 3 apps"), 403, "quota-exceeded");
        assertStatus(new SlipwayError(Kind.THROTTLED, "too-many-builds", "you have 2 uploads building"), 429, "too-many-builds");
        assertStatus(new SlipwayError(Kind.UNAVAILABLE, "build-queue-timeout", "no build slot came free"), 503, "build-queue-timeout");
        assertStatus(io.slipway.instances.InstanceUnavailableException.startTimeout(), 503, "start-timeout");
    }

    @Test
    void aProblemCarriesTheErrorsDetailRetryAfterAndLogTail() {
        Problem problem = Problems.of(new SlipwayError(Kind.THROTTLED, "too-many-builds", "you have 2 uploads building",
                Duration.ofMillis(9_200), "step 3 of 4"));

        JsonObject json = problem.toJson();
        assertThat(json.getString("title")).isEqualTo("Too Many Builds");
        assertThat(json.getInteger("status")).isEqualTo(429);
        assertThat(json.getString("detail")).isEqualTo("you have 2 uploads building");
        assertThat(json.getString("logTail")).isEqualTo("step 3 of 4");
        assertThat(headers(problem)).containsEntry("Content-Type", "application/problem+json")
                .containsEntry("X-Slipway-Error", "too-many-builds").containsEntry("Retry-After", "10");
    }

    @Test
    void withoutRetryAfterOrLogTailNeitherIsSent() {
        Problem problem = Problems.of(new InvalidInputException("invalid-name", "name 'X' must be lowercase"));

        assertThat(problem.toJson().containsKey("logTail")).isFalse();
        assertThat(headers(problem)).doesNotContainKey("Retry-After");
        assertThat(problem.title()).isEqualTo("Invalid Upload");
    }

    @Test
    void anInternalErrorNeverEchoesItsDetailNorItsLog() {
        Problem problem = Problems.of(new SlipwayError(Kind.INTERNAL, "store-failed", "SQLITE_BUSY at /srv/slipway/data/slipway.db",
                null, "password=hunter2"));

        assertThat(problem.status()).isEqualTo(500);
        assertThat(problem.body().toString()).doesNotContain("SQLITE_BUSY", "/srv/slipway", "hunter2")
                .contains(Problems.INTERNAL_DETAIL);
    }

    @Test
    void anyOtherFailureIsAnInternalErrorThatSaysNothingOfIt() {
        Problem problem = Problems.internalError();

        assertThat(problem.status()).isEqualTo(500);
        assertThat(problem.slug()).isEqualTo("internal-error");
        assertThat(problem.detail()).isEqualTo(Problems.INTERNAL_DETAIL);
    }

    private static void assertStatus(SlipwayError error, int status, String slug) {
        Problem problem = Problems.of(error);
        assertThat(problem.status()).as(slug).isEqualTo(status);
        assertThat(problem.slug()).isEqualTo(slug);
        assertThat(headers(problem)).containsEntry("X-Slipway-Error", slug);
        assertThat(problem.detail()).isEqualTo(error.detail());
    }

    private static Map<String, String> headers(Problem problem) {
        Map<String, String> headers = new LinkedHashMap<>();
        problem.forEachHeader(headers::put);
        return headers;
    }
}
