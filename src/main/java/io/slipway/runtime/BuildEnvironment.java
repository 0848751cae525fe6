package io.slipway.runtime;

import java.util.Objects;

/**
 * Where a language's build steps run, as those steps see it.
 *
 * @param identity  what they run on, for content addresses: empty for this host's own interpreters, else something that
 *                  changes whenever the interpreter may (an image's id). A dependency set installed on one is never used
 *                  on another: native modules and a venv's interpreter fit the one they were built with
 * @param installer the program that installs the language's packages there, as an absolute path or a name its {@code
 *                  PATH} finds: {@code npm} for Node, the {@code python3} that makes venvs for Python
 */
public record BuildEnvironment(String identity, String installer) {
    public BuildEnvironment {
        Objects.requireNonNull(identity, "identity");
        Objects.requireNonNull(installer, "installer");
        if (installer.isBlank()) throw new IllegalArgumentException("a build environment needs an installer");
    }

    /** This host's own interpreters. */
    public static BuildEnvironment host(java.nio.file.Path installer) {
        return new BuildEnvironment("", installer.toString());
    }
}
