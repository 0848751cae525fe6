package io.slipway.fuzz;

import static io.slipway.fuzz.UploadPromises.CONFIG;
import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.slipway.app.InvalidInputException;
import io.slipway.app.Language;
import io.slipway.config.Plan;
import io.slipway.deploy.Upload;
import io.slipway.deploy.UploadValidator;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A whole upload — file name, content and the multipart fields — through {@link Upload#ofFields} and the real
 * {@link UploadValidator}, as a first deploy or as a redeploy over an existing app. The validator either returns an
 * upload that keeps every promise of {@link UploadPromises}, or refuses with {@link InvalidInputException} (the API's
 * 4xx); any other exception would be a 500.
 */
class UploadFuzzTest {
    private static final UploadValidator VALIDATOR = new UploadValidator(CONFIG);
    private static final List<String> PLANS = List.of("free", "pro");
    // What a redeploy starts from, built as Deployments builds it from the stored app: no content.
    private static final List<UploadValidator.Valid> CURRENT = List.of(
            stored("index.ts", "express@5", "{\"API_URL\":\"https://example.com\"}", "5m"),
            stored("app.py", "FastAPI>=0.115,<1 uvicorn", "{}", "1h"));

    /**
     * Choices come from the end of the input, text from its start (a seed is its strings, each ending in a backslash
     * and a newline, then one '0' or '1' per choice, last choice first). A field is fuzzed text or not sent at all; an
     * unknown field, sent now and then, must be ignored.
     */
    @FuzzTest
    @DictionaryEntries({"index.ts", "app.py", ".mjs", ".js", "..", "/", "node", "python", "true", "false", "express@5",
            "@scope/pkg@^1.2.0", "fastapi==0.115", ">=", "[extra]", "30s", "10m", "24h", "{\"A\":\"b\"}", "PATH", "\\\\u0000"})
    void everyUploadIsEitherValidAsPromisedOrRefusedAsInvalidInput(FuzzedDataProvider data) {
        UploadValidator.Valid current = data.consumeBoolean() ? data.pickValue(CURRENT) : null;
        Plan plan = CONFIG.plan(data.pickValue(PLANS));
        boolean binaryContent = data.consumeBoolean();
        boolean[] omitted = new boolean[1 + Upload.FIELDS.size()];
        for (int i = 0; i < omitted.length; i++) omitted[i] = data.consumeBoolean();
        boolean unknownField = data.consumeBoolean();

        String fileName = omitted[0] ? null : data.consumeString(120);
        Map<String, String> fields = new HashMap<>();
        for (int i = 0; i < Upload.FIELDS.size(); i++) {
            if (!omitted[i + 1]) fields.put(Upload.FIELDS.get(i), data.consumeString(300));
        }
        if (unknownField) fields.put(data.consumeString(20), data.consumeString(20));
        byte[] content = binaryContent ? data.consumeRemainingAsBytes() : data.consumeRemainingAsString().getBytes(StandardCharsets.UTF_8);
        Upload upload = Upload.ofFields(fileName, content, fields);
        assertThat(Arrays.asList(upload.name(), upload.runtime(), upload.requirements(), upload.sleepAfter(), upload.env(),
                upload.internet(), upload.isPrivate(), upload.healthPath(), upload.transport(), upload.mcp(), upload.alwaysOn(), upload.requestTimeout()))
                .as("the fields an upload reads, and no other")
                .isEqualTo(Upload.FIELDS.stream().map(fields::get).toList());

        UploadValidator.Valid valid;
        try {
            valid = VALIDATOR.validate(upload, current, plan);
        } catch (InvalidInputException refused) {
            UploadPromises.assertWellFormed(refused);
            return;
        }
        assertKeepsItsPromises(upload, current, plan, valid);
    }

    private static void assertKeepsItsPromises(Upload upload, UploadValidator.Valid current, Plan plan, UploadValidator.Valid valid) {
        assertThat(valid.fileName()).isEqualTo(upload.fileName());
        UploadPromises.assertSafeFileName(valid.fileName());
        assertThat(valid.content()).isSameAs(upload.content());
        UploadPromises.assertSafeContent(valid.content());
        assertThat(Language.forFileName(valid.fileName())).contains(valid.language());
        UploadPromises.assertSafeAppName(valid.name());
        if (upload.name() != null) assertThat(valid.name()).isEqualTo(upload.name());
        else if (current != null) assertThat(valid.name()).isEqualTo(current.name());

        if (upload.requirements() != null || current == null || current.language() == valid.language()) {
            UploadPromises.assertSafeRequirements(valid.language(), valid.requirements());
        } else {
            assertThat(valid.requirements()).as("a redeploy in another language drops the old requirements").isEmpty();
        }
        if (upload.sleepAfter() != null) {
            Duration max = CONFIG.apps().maxSleepAfter().compareTo(plan.maxSleepAfter()) <= 0 ? CONFIG.apps().maxSleepAfter() : plan.maxSleepAfter();
            assertThat(valid.sleepAfter()).isBetween(Duration.ofSeconds(1), max);
        } else if (current != null) {
            assertThat(valid.sleepAfter()).isEqualTo(current.sleepAfter());
        } else {
            assertThat(valid.sleepAfter()).isPositive().isLessThanOrEqualTo(plan.maxSleepAfter());
        }
        if (upload.env() != null) UploadPromises.assertSafeEnv(valid.env());
        else assertThat(valid.env()).isEqualTo(current != null ? current.env() : Map.of());
        // The defaults leave egress off (sandbox.egress: none): no app may be given the internet.
        assertThat(valid.internet()).isFalse();
        if (upload.isPrivate() != null) assertThat(valid.isPrivate()).isEqualTo(upload.isPrivate().trim().equals("true"));
        else assertThat(valid.isPrivate()).isEqualTo(current != null && current.isPrivate());
        if (upload.healthPath() != null) UploadPromises.assertSafeHealthPath(valid.healthPath());
        else assertThat(valid.healthPath()).isEqualTo(current != null ? current.healthPath() : "/");
        if (upload.transport() != null) assertThat(valid.transport().id()).isEqualTo(upload.transport());
        else assertThat(valid.transport()).isEqualTo(current != null ? current.transport() : io.slipway.app.Transport.HTTP);
        if (upload.mcp() != null) assertThat(valid.mcp()).isEqualTo(upload.mcp());
        if (!valid.mcp().equals("auto") && !valid.mcp().equals("off")) UploadPromises.assertSafeHealthPath(valid.mcp());
        if (upload.alwaysOn() != null) assertThat(valid.alwaysOn()).isEqualTo(upload.alwaysOn().trim().equals("true"));
        else assertThat(valid.alwaysOn()).isEqualTo(current != null && current.alwaysOn());
        if (upload.requestTimeout() == null) {
            assertThat(valid.requestTimeout()).isEqualTo(current != null ? current.requestTimeout() : null);
        } else if (valid.requestTimeout() != null) {
            assertThat(valid.requestTimeout()).isGreaterThanOrEqualTo(java.time.Duration.ofSeconds(1)).isLessThanOrEqualTo(plan.maxRequestTimeout());
        }
    }

    private static UploadValidator.Valid stored(String fileName, String requirements, String env, String sleepAfter) {
        Upload upload = new Upload(fileName, "print(1)\n".getBytes(StandardCharsets.UTF_8), null, null, requirements, sleepAfter, env, null, "true", null, null, null);
        UploadValidator.Valid v = VALIDATOR.validate(upload, null, CONFIG.plan("pro"));
        return new UploadValidator.Valid(v.fileName(), null, v.name(), v.language(), v.requirements(), v.sleepAfter(), v.env(),
                v.internet(), v.isPrivate(), v.healthPath(), v.transport(), v.mcp(), v.alwaysOn(), v.requestTimeout());
    }
}
