package io.slipway.build;

import io.slipway.app.FileTrees;
import io.slipway.app.Language;
import io.slipway.app.Transport;
import io.slipway.logs.LogSink;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * Decides what node runs for an upload, as esbuild reads the JavaScript that will run (TypeScript once transpiled): an
 * upload that imports files beside it is refused ({@link LocalImportException}); an ES module (module syntax, or only a
 * top-level {@code await}) runs as {@code <base>.mjs}, anything else as CommonJS, {@code <base>.cjs}; a stdio MCP server
 * runs behind {@link StdioBridge}, and an ES module with a default export behind {@link WorkersShim}.
 */
final class NodeEntry {
    private final Esbuild esbuild;

    NodeEntry(Esbuild esbuild) {
        this.esbuild = esbuild;
    }

    /**
     * @param code     the code layer being built, holding {@code uploaded}
     * @param scratch  a directory of this build's outside {@code code}, for esbuild's own output; removed here
     * @return the entry, relative to {@code code}
     * @throws LocalImportException when the upload imports a file of its own
     */
    String prepare(Path code, Path uploaded, Path scratch, Transport transport, LogSink log) throws IOException {
        String name = uploaded.getFileName().toString();
        String base = name.substring(0, name.lastIndexOf('.'));
        Path js = uploaded;
        if (name.endsWith(".ts")) {
            js = code.resolve(base + ".transpiled.js");
            esbuild.transpile(uploaded, js, log);
        }
        ModuleFacts facts;
        try {
            facts = esbuild.analyze(js, Files.createDirectories(scratch), log);
        } finally {
            FileTrees.deleteQuietly(scratch);
        }
        List<String> local = facts.imports().stream().filter(LocalImportException::isLocal).toList();
        if (!local.isEmpty()) throw new LocalImportException(name, local);
        boolean esm = name.endsWith(".mjs") || facts.esm();
        String module = name.endsWith(".mjs") ? name : base + (esm ? ".mjs" : ".cjs");
        if (!js.equals(code.resolve(module))) Files.move(js, code.resolve(module), StandardCopyOption.REPLACE_EXISTING);
        if (transport == Transport.STDIO) return StdioBridge.write(code, Language.NODE, module, log);
        if (esm && facts.hasDefaultExport()) {
            log.event("entry " + WorkersShim.FILE_NAME + ", Slipway's server for " + module + " (an ES module with a default export): "
                    + "it serves the default export's fetch(request, env, ctx), unless the module listens on $PORT itself");
            return WorkersShim.write(code, module);
        }
        log.event("entry " + module + " (" + (esm ? "ES module" : "CommonJS") + ")");
        return module;
    }
}
