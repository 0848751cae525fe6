package io.slipway.build;

import static org.assertj.core.api.Assertions.assertThat;

import io.slipway.app.SlipwayError;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LocalImportExceptionTest {
    @Test
    void oneLocalImportIsNamedWithHowToMakeTheUploadOneFile() {
        LocalImportException refused = new LocalImportException("index.ts", List.of("./helper", "./helper"));

        assertThat(refused.kind()).isEqualTo(SlipwayError.Kind.UNPROCESSABLE);
        assertThat(refused.slug()).isEqualTo("local-import");
        assertThat(refused.detail()).isEqualTo("Slipway runs one file: index.ts imports './helper', which is not part of the upload. "
                + "Inline its code into index.ts (or publish it as a package and add it to requirements)");
    }

    @Test
    void severalAreNamedUpToFiveThenCounted() {
        List<String> imports = IntStream.rangeClosed(1, 7).mapToObj(i -> "./m" + i).toList();

        assertThat(new LocalImportException("app.js", imports).detail()).isEqualTo("Slipway runs one file: app.js imports './m1', './m2', "
                + "'./m3', './m4', './m5' and 2 more, which are not part of the upload. Inline their code into app.js (or publish them "
                + "as a package and add it to requirements)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"./helper", "../lib", "./x.js", ".", "..", "./"})
    void pathsBesideTheModuleAreLocal(String specifier) {
        assertThat(LocalImportException.isLocal(specifier)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"express", "@scope/pkg", "node:fs", "/usr/lib/x.js", "#internal", ".hidden", "...", "file:./x.js"})
    void packagesBuiltInsAndOtherSpecifiersAreNotLocal(String specifier) {
        assertThat(LocalImportException.isLocal(specifier)).isFalse();
    }
}
