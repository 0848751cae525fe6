package io.slipway.build;

import java.nio.file.Path;

/**
 * Code ready to run, staged in {@code tmp/} until {@link AppBuilder#commit} or {@link AppBuilder#place} moves it among the
 * app's builds.
 *
 * @param staged  the staged app directory, holding {@code code/}
 * @param entry   the file to run, relative to {@code code/} (e.g. {@code index.mjs})
 * @param depsKey the dependency set's key, or null when the app has no requirements
 * @param codeHash the code layer's digest, which names the build ({@link AppBuilder#codeDigest})
 */
public record BuiltCode(Path staged, String entry, String depsKey, String codeHash) {
}
