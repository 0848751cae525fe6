package io.slipway.fuzz;

import static io.slipway.fuzz.UploadPromises.CONFIG;
import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.slipway.app.InvalidInputException;
import io.slipway.app.Language;
import io.slipway.build.Requirements;
import java.util.List;

/**
 * The {@code requirements} field on its own, through {@link Requirements#parse}: the specs it returns are plain package
 * names and versions ({@link UploadPromises#assertSafeRequirements}); anything else is refused as
 * {@code invalid-requirements}.
 */
class RequirementsFuzzTest {
    /** The language is the input's last byte ('0' node, '1' python); the rest is the field's text. */
    @FuzzTest
    @DictionaryEntries({"@", "@scope/", "express", "^5.0.0", "~1.2", "latest", "==", ">=", "<", "!=", "~=", "===", "[standard]",
            ",", " ", "-e", "--index-url", "http://", "git+ssh://", "file:", "../", "/", ";", "|", "&&", "$(", "`", ".tgz",
            ".whl", "Django", "Typing_Extensions"})
    void specsAreEitherPlainPackageNamesAndVersionsOrRefused(FuzzedDataProvider data) {
        Language language = data.pickValue(Language.values());
        String text = data.consumeRemainingAsString();
        int max = CONFIG.upload().maxRequirements();

        List<String> specs;
        try {
            specs = Requirements.parse(language, text, max);
        } catch (InvalidInputException refused) {
            assertThat(refused.slug()).isEqualTo("invalid-requirements");
            UploadPromises.assertWellFormed(refused);
            return;
        }
        UploadPromises.assertSafeRequirements(language, specs);
        // Normalised specs read back as themselves, so a dependency set's key does not depend on how the specs were typed.
        assertThat(Requirements.parse(language, String.join("\n", specs), max)).isEqualTo(specs);
        assertThat(Requirements.key(language, specs)).hasSize(64);
    }
}
