package io.slipway.app;

import java.nio.file.Path;

/**
 * Where things live under the data dir. Apps' code: {@code apps/<id>/builds/<hex>/code}; dependency sets:
 * {@code deps/<runtime>/<key>}; logs: {@code logs/<id>.log}; pinned tools: {@code tools/}; work in progress:
 * {@code tmp/}, renamed into place only when complete.
 */
public record DataDir(Path root) {
    public DataDir {
        root = root.toAbsolutePath().normalize();
    }

    /** The SQLite file, in a directory of its own so that its journal files share its 0700 protection. */
    public Path database() {
        return root.resolve("db").resolve("slipway.db");
    }

    public Path apps() {
        return root.resolve("apps");
    }

    public Path app(String id) {
        return apps().resolve(id);
    }

    public Path deps(Language language) {
        return root.resolve("deps").resolve(language.id());
    }

    public Path tools() {
        return root.resolve("tools");
    }

    public Path logs() {
        return root.resolve("logs");
    }

    public Path appLog(String id) {
        return logs().resolve(id + ".log");
    }

    public Path tmp() {
        return root.resolve("tmp");
    }

    public Path npmCache() {
        return root.resolve("cache").resolve("npm");
    }
}
