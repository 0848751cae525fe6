package io.slipway.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.slipway.app.App;
import io.slipway.app.AppStatus;
import io.slipway.app.InvalidInputException;
import io.slipway.app.Language;
import io.slipway.app.Transport;
import io.slipway.config.ConfigLoader;
import io.slipway.config.Plan;
import io.slipway.config.SlipwayConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code alwaysOn} and {@code requestTimeout} as an upload, a redeploy and a PATCH give them: within the plan's bounds
 * (free: no always-on app, requests of at most a minute; pro: three always-on apps, 15 minutes), refused otherwise with
 * a 400 that names the bound and what to do.
 */
class UptimeSettingsTest {
    private static final SlipwayConfig CONFIG = ConfigLoader.load(null, Map.of(), Map.of("data", "/tmp/unused", "plans.team.alwaysOn", "1"));
    private static final UploadValidator VALIDATOR = new UploadValidator(CONFIG);
    private static final Plan FREE = CONFIG.plan("free");
    private static final Plan PRO = CONFIG.plan("pro");
    private static final Instant NOW = Instant.parse("2026-12-02T06:00:00Z");

    @Test
    void theDefaultPlansBoundAlwaysOnAppsAndRequestTimeouts() {
        assertThat(FREE.alwaysOn()).isZero();
        assertThat(FREE.maxRequestTimeout()).isEqualTo(Duration.ofMinutes(1));
        assertThat(PRO.alwaysOn()).isEqualTo(3);
        assertThat(PRO.maxRequestTimeout()).isEqualTo(Duration.ofMinutes(15));
        assertThat(CONFIG.plan("team").alwaysOn()).as("set").isEqualTo(1);
        assertThat(CONFIG.plan("team").maxRequestTimeout()).as("from free").isEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void aPlanFieldOutOfItsBoundsStopsTheConfiguration() {
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), Map.of("data", "/tmp/unused", "plans.pro.alwaysOn", "-1")))
                .hasMessageContaining("plans.pro.alwaysOn");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("SLIPWAY_PLANS_PRO_MAX_REQUEST_TIMEOUT", "500ms"), Map.of("data", "/tmp/unused")))
                .hasMessageContaining("plans.pro.maxRequestTimeout").hasMessageContaining("SLIPWAY_PLANS_PRO_MAX_REQUEST_TIMEOUT");
    }

    @Test
    void anUploadTakesBothWithinThePlanAndNeitherByDefault() {
        UploadValidator.Valid plain = VALIDATOR.validate(upload(null, null), null, PRO);
        assertThat(plain.alwaysOn()).isFalse();
        assertThat(plain.requestTimeout()).isNull();

        UploadValidator.Valid set = VALIDATOR.validate(upload("true", "90s"), null, PRO);
        assertThat(set.alwaysOn()).isTrue();
        assertThat(set.requestTimeout()).isEqualTo(Duration.ofSeconds(90));
        assertThat(VALIDATOR.validate(upload(null, "none"), null, PRO).requestTimeout()).isNull();
        assertThat(VALIDATOR.validate(upload(null, "30"), null, FREE).requestTimeout()).as("seconds").isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void aRedeployThatSendsNeitherKeepsTheAppsValues() {
        UploadValidator.Valid current = VALIDATOR.validate(upload("true", "2m"), null, PRO);
        UploadValidator.Valid next = VALIDATOR.validate(upload(null, null), current, PRO);
        assertThat(next.alwaysOn()).isTrue();
        assertThat(next.requestTimeout()).isEqualTo(Duration.ofMinutes(2));
    }

    @Test
    void aRequestTimeoutBeyondThePlanIsRefusedSayingTheBound() {
        assertThatThrownBy(() -> VALIDATOR.validate(upload(null, "2m"), null, FREE))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.slug()).isEqualTo("invalid-request-timeout"))
                .hasMessageContaining("at most 1m on the free plan");
        assertThatThrownBy(() -> VALIDATOR.validate(upload(null, "500ms"), null, PRO)).hasMessageContaining("at least 1s");
        assertThatThrownBy(() -> VALIDATOR.validate(upload(null, "soon"), null, PRO)).hasMessageContaining("not a duration");
        assertThatThrownBy(() -> VALIDATOR.validate(upload("yes", null), null, PRO))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.slug()).isEqualTo("invalid-always-on"));
    }

    @Test
    void alwaysOnIsRefusedOnAPlanWithoutItAndPastThePlansCount() {
        assertThatThrownBy(() -> UptimeSettings.allowAlwaysOn(FREE, 0))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.slug()).isEqualTo("always-on-not-allowed"))
                .hasMessageContaining("the free plan does not allow alwaysOn apps");
        UptimeSettings.allowAlwaysOn(PRO, 2);
        assertThatThrownBy(() -> UptimeSettings.allowAlwaysOn(PRO, 3))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.slug()).isEqualTo("always-on-not-allowed"))
                .hasMessageContaining("allows 3 alwaysOn apps, and you have 3 already");
    }

    @Test
    void aPatchSetsAndClearsBothAndSaysSo() {
        App app = app(false, null);

        SettingsPatch.Result on = SettingsPatch.apply(app, "{\"alwaysOn\":true,\"requestTimeout\":\"45s\"}", PRO, VALIDATOR, NOW, () -> 0);
        assertThat(on.app().alwaysOn()).isTrue();
        assertThat(on.app().requestTimeout()).isEqualTo(Duration.ofSeconds(45));
        assertThat(on.changed()).containsExactly("alwaysOn", "requestTimeout");
        assertThat(on.needsRestart()).as("the same process serves on").isFalse();

        SettingsPatch.Result off = SettingsPatch.apply(on.app(), "{\"alwaysOn\":false,\"requestTimeout\":null}", PRO, VALIDATOR, NOW, () -> 3);
        assertThat(off.app().alwaysOn()).isFalse();
        assertThat(off.app().requestTimeout()).isNull();
        assertThat(SettingsPatch.apply(app, "{\"requestTimeout\":20}", FREE, VALIDATOR, NOW, () -> 0).app().requestTimeout())
                .isEqualTo(Duration.ofSeconds(20));
    }

    @Test
    void aPatchOutOfThePlanChangesNothing() {
        App app = app(false, null);
        assertThatThrownBy(() -> SettingsPatch.apply(app, "{\"alwaysOn\":true}", FREE, VALIDATOR, NOW, () -> 0))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.slug()).isEqualTo("always-on-not-allowed"));
        assertThatThrownBy(() -> SettingsPatch.apply(app, "{\"alwaysOn\":true}", PRO, VALIDATOR, NOW, () -> 3))
                .hasMessageContaining("you have 3 already");
        assertThatThrownBy(() -> SettingsPatch.apply(app, "{\"requestTimeout\":\"1h\"}", PRO, VALIDATOR, NOW, () -> 0))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.slug()).isEqualTo("invalid-request-timeout"))
                .hasMessageContaining("at most 15m on the pro plan");
        assertThatThrownBy(() -> SettingsPatch.apply(app, "{\"requestTimeout\":true}", PRO, VALIDATOR, NOW, () -> 0))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.slug()).isEqualTo("invalid-request-timeout"));
        assertThatThrownBy(() -> SettingsPatch.apply(app, "{\"alwaysOn\":\"true\"}", PRO, VALIDATOR, NOW, () -> 0))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.slug()).isEqualTo("invalid-always-on"));
    }

    @Test
    void anAppAlwaysOnAlreadyIsNotCountedAgainstItself() {
        App app = app(true, null);
        SettingsPatch.Result same = SettingsPatch.apply(app, "{\"alwaysOn\":true}", PRO, VALIDATOR, NOW, () -> {
            throw new AssertionError("not asked: nothing changes");
        });
        assertThat(same.changed()).isEmpty();
    }

    private static Upload upload(String alwaysOn, String requestTimeout) {
        return new Upload("index.js", "console.log(1)\n".getBytes(StandardCharsets.UTF_8), null, null, null, null, null, null, null, null,
                null, null, alwaysOn, requestTimeout);
    }

    private static App app(boolean alwaysOn, Duration requestTimeout) {
        return new App("a1", "alice", "app", Language.NODE, "index.js", List.of(), Duration.ofMinutes(10), Map.of(), AppStatus.SLEEPING,
                null, "hash", null, false, false, "pro", NOW, NOW, null, "/", Transport.HTTP, "auto", alwaysOn, requestTimeout);
    }
}
