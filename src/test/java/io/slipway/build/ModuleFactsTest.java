package io.slipway.build;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading esbuild's metafiles, as esbuild 0.28 writes them. */
class ModuleFactsTest {
    @TempDir
    Path dir;

    @Test
    void aFileIsAnEsModuleOnlyWhenEsbuildSaysItsFormatIsEsm() throws IOException {
        assertThat(ModuleFacts.isEsm(metafile("""
                {"inputs":{"index.js":{"bytes":120,"imports":[],"format":"esm"}},"outputs":{}}"""))).isTrue();
        assertThat(ModuleFacts.isEsm(metafile("""
                {"inputs":{"index.js":{"bytes":64,"imports":[],"format":"cjs"}},"outputs":{}}"""))).isFalse();
        assertThat(ModuleFacts.isEsm(metafile("""
                {"inputs":{"index.js":{"bytes":16,"imports":[]}},"outputs":{}}"""))).isFalse();
    }

    @Test
    void importsAreWhatTheOutputLoadsAndExportsItsNames() throws IOException {
        ModuleFacts facts = ModuleFacts.read(true, metafile("""
                {"inputs":{"index.js":{"bytes":9,"imports":[{"path":"./types-only","kind":"import-statement","external":true}],"format":"esm"}},
                 "outputs":{"../imports.js":{"imports":[
                   {"path":"express","kind":"import-statement","external":true},
                   {"path":"./x.js","kind":"dynamic-import","external":true},
                   {"path":"../lib","kind":"require-call","external":true},
                   {"path":"./maybe","kind":"require-resolve","external":true}],
                  "exports":["default","handler"],"entryPoint":"index.js","inputs":{},"bytes":495}}}"""));

        assertThat(facts.esm()).isTrue();
        assertThat(facts.imports()).containsExactly("express", "./x.js", "../lib");
        assertThat(facts.exports()).containsExactly("default", "handler");
        assertThat(facts.hasDefaultExport()).isTrue();
    }

    @Test
    void aModuleWithoutExportsHasNoDefaultExport() throws IOException {
        ModuleFacts facts = ModuleFacts.read(false, metafile("""
                {"inputs":{},"outputs":{"../imports.js":{"imports":[],"exports":[],"inputs":{},"bytes":1}}}"""));

        assertThat(facts.imports()).isEmpty();
        assertThat(facts.hasDefaultExport()).isFalse();
    }

    private Path metafile(String json) throws IOException {
        return Files.writeString(Files.createTempFile(dir, "meta", ".json"), json);
    }
}
