package io.slipway.runtime;

import io.slipway.app.Language;
import java.util.Objects;
import java.util.Optional;

/**
 * What a sandbox runs: the built code of one app and, when it has requirements, its dependency set. Inside every
 * sandbox the code is at {@code /app/code}, a Node dependency set at {@code /app/node_modules} and a Python one (a
 * venv) at {@code /app/venv}, wherever a runtime keeps them; the runtime reads their content from its {@link
 * ArtifactSource}.
 *
 * @param entry the file to run, relative to the code layer's root
 */
public record Artifact(Language language, String entry, Layer code, Optional<Layer> dependencies) {
    public Artifact {
        Objects.requireNonNull(language, "language");
        Objects.requireNonNull(entry, "entry");
        if (entry.isBlank() || entry.contains("/") || entry.startsWith(".")) throw new IllegalArgumentException("not an entry file: " + entry);
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(dependencies, "dependencies");
        if (code.kind() != Layer.Kind.CODE) throw new IllegalArgumentException("the code layer holds " + code.kind());
        dependencies.ifPresent(d -> {
            if (d.kind() != Layer.Kind.DEPENDENCIES) throw new IllegalArgumentException("the dependency layer holds " + d.kind());
        });
    }

    /** The command that runs the entry, with paths as the app sees them inside its sandbox. */
    public java.util.List<String> command(String node, String python) {
        return switch (language) {
            case NODE -> java.util.List.of(node, "/app/code/" + entry);
            case PYTHON -> java.util.List.of(dependencies.isPresent() ? "/app/venv/bin/python" : python, "-u", "/app/code/" + entry);
        };
    }
}
