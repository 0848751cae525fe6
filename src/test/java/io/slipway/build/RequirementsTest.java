package io.slipway.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.slipway.app.InvalidInputException;
import io.slipway.app.Language;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RequirementsTest {
    @Test
    void npmSpecsAreSplitOnSpacesCommasAndNewlinesThenSortedAndDeduplicated() {
        assertThat(Requirements.parse(Language.NODE, "express@5 cors,\n@scope/pkg@^1.2.0  cors", 50))
                .containsExactly("@scope/pkg@^1.2.0", "cors", "express@5");
    }

    @Test
    void pythonNamesAreNormalisedAndOperatorTokensJoinThePreviousSpec() {
        assertThat(Requirements.parse(Language.PYTHON, "FastAPI==0.115 Typing_Extensions fastapi>=0.1,<1.0", 50))
                .containsExactly("fastapi==0.115", "fastapi>=0.1,<1.0", "typing-extensions");
    }

    @Test
    void pythonExtrasAreAllowed() {
        assertThat(Requirements.parse(Language.PYTHON, "uvicorn[standard]>=0.30", 50)).containsExactly("uvicorn[standard]>=0.30");
    }

    @Test
    void aSpecsPackageNameIsItsNameWithoutVersionOrExtras() {
        assertThat(Requirements.name(Language.NODE, "@modelcontextprotocol/sdk@^1.32")).isEqualTo("@modelcontextprotocol/sdk");
        assertThat(Requirements.name(Language.NODE, "@scope/pkg")).isEqualTo("@scope/pkg");
        assertThat(Requirements.name(Language.NODE, "express@5")).isEqualTo("express");
        assertThat(Requirements.name(Language.PYTHON, "mcp[cli]>=1.8,<2")).isEqualTo("mcp");
        assertThat(Requirements.name(Language.PYTHON, "mcp~=1.30")).isEqualTo("mcp");
        assertThat(Requirements.name(Language.PYTHON, "typing-extensions")).isEqualTo("typing-extensions");
    }

    @ParameterizedTest
    @ValueSource(strings = {"express;rm", "$(id)", "`id`", "--registry=x", "-g", "http://x/y.tgz", "git+ssh://x", "file:../x",
            "../x", "/abs", "a|b", "a>b", "Express", "github:user/repo", "x@1 && y"})
    void npmSpecsThatAreNotPlainNamesAndVersionsAreRefused(String spec) {
        assertThatThrownBy(() -> Requirements.parse(Language.NODE, spec, 50)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("not allowed");
    }

    @ParameterizedTest
    @ValueSource(strings = {"-e .", "--index-url=http://x", "pkg @ https://x/y.whl", "./local", "/abs/pkg", "pkg;os_name=='nt'",
            "pkg==1.0;rm", "$(id)", "-r", "requirements.txt/../x"})
    void pythonSpecsThatAreNotPlainNamesAndVersionsAreRefused(String spec) {
        assertThatThrownBy(() -> Requirements.parse(Language.PYTHON, spec, 50)).isInstanceOf(InvalidInputException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"node:x.tgz", "node:pkg.tar", "node:pkg@1.0.tgz", "node:pkg.tgz@1", "node:@scope/pkg.tar.gz", "python:pkg.whl",
            "python:pkg.zip", "python:pkg==1.tar.gz", "python:pkg.ZIP[extra]", "python:pkg.tar.bz2"})
    void specsThatEndLikeArchiveFilesAreRefusedSinceInstallersReadThemAsPaths(String languageAndSpec) {
        String[] parts = languageAndSpec.split(":", 2);
        Language language = parts[0].equals("node") ? Language.NODE : Language.PYTHON;
        assertThatThrownBy(() -> Requirements.parse(language, parts[1], 50)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("archive file").hasMessageContaining("local path");
    }

    @Test
    void namesThatOnlyContainAnArchiveWordAreAllowed() {
        assertThat(Requirements.parse(Language.NODE, "tar-stream jszip foo.tar-stream zip.js@1", 50))
                .containsExactly("foo.tar-stream", "jszip", "tar-stream", "zip.js@1");
        assertThat(Requirements.parse(Language.PYTHON, "zipp wheel backports.tarfile", 50)).containsExactly("backports-tarfile", "wheel", "zipp");
    }

    @Test
    void tooManySpecsAreRefused() {
        assertThatThrownBy(() -> Requirements.parse(Language.NODE, "a b c", 2)).hasMessageContaining("at most 2");
    }

    @Test
    void theKeyDependsOnTheLanguageAndTheNormalisedSetOnly() {
        var one = Requirements.parse(Language.NODE, "express cors", 50);
        var two = Requirements.parse(Language.NODE, "cors,express", 50);
        assertThat(Requirements.key(Language.NODE, one)).isEqualTo(Requirements.key(Language.NODE, two)).hasSize(64);
        assertThat(Requirements.key(Language.PYTHON, one)).isNotEqualTo(Requirements.key(Language.NODE, one));
    }

    @Test
    void aSetInstalledInAnImageHasAnAddressOfItsOwnAndOneInstalledOnThisHostKeepsItsOld() {
        var specs = Requirements.parse(Language.PYTHON, "slipway-testpkg==1.0", 50);
        String onHost = Requirements.key(Language.PYTHON, specs);
        assertThat(Requirements.key(Language.PYTHON, "", specs)).isEqualTo(onHost);
        String inImage = Requirements.key(Language.PYTHON, "sha256:aaaa", specs);
        assertThat(inImage).isNotEqualTo(onHost).isNotEqualTo(Requirements.key(Language.PYTHON, "sha256:bbbb", specs)).hasSize(64);
    }
}
