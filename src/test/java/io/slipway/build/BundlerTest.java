package io.slipway.build;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What makes a bundle unsafe, read from esbuild's output as it writes it (a path comment before each module). */
class BundlerTest {
    @TempDir
    Path dir;

    @Test
    void aPackageUsingItsOwnLocationIsNamedAndTheAppsOwnUseIsFine() throws IOException {
        Path bundle = write("""
                // ../../deps/node/k1/node_modules/ms/index.js
                var s = 1000;
                // ../../deps/node/k1/node_modules/@scope/pkg/node_modules/inner/lib/a.js
                var where = require("path").join(__dirname, "data.json");
                // ../../tmp/build-1/code/index.cjs
                console.log(__dirname);
                """);

        assertThat(Bundler.packageFindingFilesByItsLocation(bundle)).hasValue("inner");
    }

    @Test
    void theAppsOwnCodeMayFindFilesBesideIt() throws IOException {
        Path bundle = write("""
                // ../../deps/node/k1/node_modules/ms/index.js
                // a comment of the package's, which is no module's path
                var s = 1000;
                // ../../tmp/build-1/code/index.mjs
                const here = new URL(".", import.meta.url);
                """);

        assertThat(Bundler.packageFindingFilesByItsLocation(bundle)).isEmpty();
    }

    @Test
    void everyWayOfFindingFilesByLocationCounts() throws IOException {
        for (String use : new String[] {"__filename", "import.meta.url", "require.resolve('x')", "__dirname"}) {
            Path bundle = write("// node_modules/@scope/pkg/index.js\nvar x = " + use + ";\n");
            assertThat(Bundler.packageFindingFilesByItsLocation(bundle)).as(use).hasValue("@scope/pkg");
        }
        assertThat(Bundler.packageFindingFilesByItsLocation(write("// node_modules/p/index.js\nvar dirname_ = 1, my__dirname = 2;\n"))).isEmpty();
    }

    @Test
    void anEsModuleDeclaringItsOwnRequireWouldClashWithTheBundles() throws IOException {
        assertThat(Bundler.declaresRequire(write("const require = made();\nvar a = 1;\n"))).as("the banner's own line").isFalse();
        assertThat(Bundler.declaresRequire(write("const require = made();\nconst require = createRequire(import.meta.url);\n"))).isTrue();
        assertThat(Bundler.declaresRequire(write("const require = made();\nvar require2 = createRequire(import.meta.url);\n"))).isFalse();
    }

    private Path write(String text) throws IOException {
        return Files.writeString(Files.createTempFile(dir, "bundle", ".js"), text);
    }
}
