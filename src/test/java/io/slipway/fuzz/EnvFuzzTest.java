package io.slipway.fuzz;

import static io.slipway.fuzz.UploadPromises.CONFIG;
import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.slipway.app.InvalidInputException;
import io.slipway.deploy.Upload;
import io.slipway.deploy.UploadValidator;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The {@code env} field (JSON) through the validator, in an upload whose other fields are valid: either a map of safe
 * names to strings without NUL ({@link UploadPromises#assertSafeEnv}) holding exactly the object's members, or a
 * refusal as {@code invalid-env}.
 */
class EnvFuzzTest {
    private static final UploadValidator VALIDATOR = new UploadValidator(CONFIG);
    private static final byte[] CONTENT = "export default 1;\n".getBytes(StandardCharsets.UTF_8);
    private static final ObjectMapper JSON = new ObjectMapper();

    @FuzzTest
    @DictionaryEntries({"{", "}", "[", "]", "\"", ":", ",", "null", "true", "1e999", "{\"API_URL\":\"https://x\"}", "\\\\u0000",
            "\\\\ud800", "PORT", "PATH", "NODE_ENV", "SLIPWAY_SANDBOX", "PUBLIC_URL", "_", "A=B", "/*", "//"})
    void envIsAnObjectOfSafeNamesAndStringsOrRefused(FuzzedDataProvider data) throws Exception {
        String raw = data.consumeRemainingAsString();
        Upload upload = new Upload("index.ts", CONTENT, null, null, null, null, raw, null, null, null, null, null);

        Map<String, String> env;
        try {
            env = VALIDATOR.validate(upload, null, CONFIG.plan("free")).env();
        } catch (InvalidInputException refused) {
            assertThat(refused.slug()).isEqualTo("invalid-env");
            UploadPromises.assertWellFormed(refused);
            return;
        }
        UploadPromises.assertSafeEnv(env);
        if (raw.isBlank()) {
            assertThat(env).isEmpty();
            return;
        }
        // Nothing lost, nothing invented: every member of the object, as it reads on its own.
        JsonNode object = JSON.readTree(raw);
        assertThat(env).hasSize(object.size());
        env.forEach((name, value) -> assertThat(object.get(name).textValue()).isEqualTo(value));
    }
}
