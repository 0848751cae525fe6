package io.slipway.fuzz;

import static io.slipway.fuzz.UploadPromises.CONFIG;
import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.slipway.app.InvalidInputException;
import io.slipway.config.Durations;
import io.slipway.config.Plan;
import io.slipway.deploy.Upload;
import io.slipway.deploy.UploadValidator;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * The {@code sleepAfter} field: first Slipway's duration syntax on its own ({@link Durations#parse}, which refuses with
 * {@link IllegalArgumentException}), then the field through the validator, in an upload whose other fields are valid.
 * It is accepted exactly when it parses to a duration between 1s and the plan's bound, and is then that duration.
 */
class SleepAfterFuzzTest {
    private static final UploadValidator VALIDATOR = new UploadValidator(CONFIG);
    private static final byte[] CONTENT = "export default 1;\n".getBytes(StandardCharsets.UTF_8);

    /** The plan is the input's last byte ('0' free, '1' pro); the rest is the field's text. */
    @FuzzTest
    @DictionaryEntries({"ms", "s", "m", "h", "d", "999999999", "0", " ", "-", "+", "1e3", "\u0661"})
    void sleepAfterIsADurationWithinThePlanOrRefused(FuzzedDataProvider data) {
        Plan plan = CONFIG.plan(data.pickValue(List.of("free", "pro")));
        String raw = data.consumeRemainingAsString();

        Duration parsed = null;
        try {
            parsed = Durations.parse(raw);
        } catch (IllegalArgumentException refused) {
            assertThat(refused).hasMessageStartingWith("not a duration");
        }
        if (parsed != null) {
            assertThat(parsed).isGreaterThanOrEqualTo(Duration.ZERO);
            // The shortest form Slipway prints (in messages, in the dashboard) reads back as the same duration.
            assertThat(Durations.parse(Durations.format(parsed))).isEqualTo(parsed);
        }

        Upload upload = new Upload("index.ts", CONTENT, null, null, null, raw, null, null, null, null, null, null);
        Duration max = CONFIG.apps().maxSleepAfter().compareTo(plan.maxSleepAfter()) <= 0 ? CONFIG.apps().maxSleepAfter() : plan.maxSleepAfter();
        boolean allowed = parsed != null && parsed.compareTo(Duration.ofSeconds(1)) >= 0 && parsed.compareTo(max) <= 0;
        Duration accepted;
        try {
            accepted = VALIDATOR.validate(upload, null, plan).sleepAfter();
        } catch (InvalidInputException refused) {
            assertThat(refused.slug()).isEqualTo("invalid-sleep-after");
            UploadPromises.assertWellFormed(refused);
            assertThat(allowed).as("refused '%s', which is %s on the %s plan", raw, parsed, plan.name()).isFalse();
            return;
        }
        assertThat(allowed).as("accepted '%s'", raw).isTrue();
        assertThat(accepted).isEqualTo(parsed);
    }
}
