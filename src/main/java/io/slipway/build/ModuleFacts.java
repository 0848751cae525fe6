package io.slipway.build;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What esbuild's metafiles say of one JavaScript file ({@link Esbuild#analyze}).
 *
 * @param esm     node must run it as an ES module: it has import or export statements, {@code import.meta} or a
 *                top-level {@code await} (as esbuild judges, which reads the code, not text that looks like it)
 * @param imports what it imports, statically, by {@code import()} or by {@code require()}, as written and in order
 * @param exports the names it exports ({@code default} among them for {@code export default}); empty for CommonJS
 */
record ModuleFacts(boolean esm, List<String> imports, List<String> exports) {
    private static final ObjectMapper JSON = new ObjectMapper();
    // require.resolve() only asks where a file is (often to see whether it is there); it loads nothing.
    private static final Set<String> LOADING_KINDS = Set.of("import-statement", "dynamic-import", "require-call");

    ModuleFacts {
        imports = List.copyOf(imports);
        exports = List.copyOf(exports);
    }

    boolean hasDefaultExport() {
        return exports.contains("default");
    }

    /** From the metafile of a pass that kept the module syntax: its one input's {@code format}. */
    static boolean isEsm(Path metafile) {
        for (JsonNode input : read(metafile).path("inputs")) {
            if ("esm".equals(input.path("format").asText())) return true;
        }
        return false;
    }

    /**
     * From the metafile of a bundling pass with every import external: its one output's imports, which esbuild lists
     * after it has dropped TypeScript's type-only imports and unreachable code, so only what node would load.
     */
    static ModuleFacts read(boolean esm, Path metafile) {
        List<String> imports = new ArrayList<>();
        List<String> exports = new ArrayList<>();
        for (JsonNode output : read(metafile).path("outputs")) {
            for (JsonNode i : output.path("imports")) {
                if (LOADING_KINDS.contains(i.path("kind").asText())) imports.add(i.path("path").asText());
            }
            output.path("exports").forEach(e -> exports.add(e.asText()));
        }
        return new ModuleFacts(esm, imports, exports);
    }

    private static JsonNode read(Path metafile) {
        try {
            return JSON.readTree(metafile.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read esbuild's metafile " + metafile, e);
        }
    }
}
