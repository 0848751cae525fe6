package io.slipway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.slipway.app.SlipwayError;
import io.slipway.app.SlipwayError.Kind;
import io.slipway.http.Problem;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** What the proxy answers when admission fails ({@link ContainerProxy#problemFor}). */
class AdmissionProblemsTest {
    @Test
    void aWaitThatRunsOutIsStartTimeoutWithRetryAfter() {
        Problem problem = ContainerProxy.problemFor(new CompletionException(new TimeoutException()));

        assertThat(problem.status()).isEqualTo(503);
        assertThat(problem.slug()).isEqualTo("start-timeout");
        assertThat(problem.title()).isEqualTo("App Not Ready");
        assertThat(problem.retryAfter()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void aCoreErrorIsAnsweredAsTheOneMappingSays() {
        Problem problem = ContainerProxy.problemFor(new CompletionException(
                new SlipwayError(Kind.UNAVAILABLE, "capacity", "all 4 instance slots are busy", Duration.ofSeconds(5), null)));

        assertThat(problem.status()).isEqualTo(503);
        assertThat(problem.slug()).isEqualTo("capacity");
        assertThat(problem.detail()).isEqualTo("all 4 instance slots are busy");
    }

    @Test
    void anyOtherFailureIsProxyErrorAndNeverLeaksItsMessage() {
        for (Throwable failure : new Throwable[] {new IllegalStateException("connect to /run/slipway/app-7.sock: EACCES"),
                new SlipwayError(Kind.INTERNAL, "store-failed", "connect to /run/slipway/app-7.sock: EACCES")}) {
            Problem problem = ContainerProxy.problemFor(failure);

            assertThat(problem.status()).isEqualTo(502);
            assertThat(problem.slug()).isEqualTo("proxy-error");
            assertThat(problem.body().toString()).doesNotContain("/run/slipway", "EACCES");
        }
    }
}
