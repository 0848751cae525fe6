package io.slipway.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.slipway.app.SlipwayError;
import org.junit.jupiter.api.Test;

class StartFailuresTest {
    @Test
    void aNodePackageImportedButNotInstalledIsNamedAsARequirementToAdd() {
        String esm = "Error [ERR_MODULE_NOT_FOUND]: Cannot find package 'express' imported from /app/code/index.mjs";
        String cjs = "Error: Cannot find module '@scope/tool/sub'\nRequire stack:\n- /app/code/index.cjs";

        assertThat(StartFailures.hint(esm)).hasValueSatisfying(h -> assertThat(h).contains("add express to requirements"));
        assertThat(StartFailures.hint(cjs)).hasValueSatisfying(h -> assertThat(h).contains("add @scope/tool to requirements"));
    }

    @Test
    void aPythonModuleNotInstalledIsNamed() {
        String log = "Traceback (most recent call last):\n  File \"/app/code/app.py\", line 1\nModuleNotFoundError: No module named 'flask.json'";

        assertThat(StartFailures.hint(log)).hasValueSatisfying(h -> assertThat(h).contains("it imports flask"));
    }

    @Test
    void aRelativeOrBuiltInModuleIsNoRequirement() {
        assertThat(StartFailures.hint("Error: Cannot find module './helper'")).isEmpty();
        assertThat(StartFailures.hint("Error: Cannot find module 'node:fs/x'")).isEmpty();
        assertThat(StartFailures.hint("listening on 8080")).isEmpty();
    }

    @Test
    void theRefusalIsA422StartFailedKeepingTheReasonAndTheLog() {
        SlipwayError why = new SlipwayError(SlipwayError.Kind.APP_FAILED, "app-failed", "the app exited with code 1 before it listened on $PORT",
                null, "Error: Cannot find module 'cors'");

        SlipwayError refusal = StartFailures.of(why);

        assertThat(refusal.kind()).isEqualTo(SlipwayError.Kind.UNPROCESSABLE);
        assertThat(refusal.slug()).isEqualTo("start-failed");
        assertThat(refusal.detail()).contains("exited with code 1").contains("add cors to requirements");
        assertThat(refusal.logTail()).isEqualTo("Error: Cannot find module 'cors'");
    }
}
