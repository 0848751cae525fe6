package io.slipway.app;

import java.util.Locale;
import java.util.Optional;

/** The runtime an app's code runs on. Its {@link #id()} is the {@code runtime} field of the API. */
public enum Language {
    NODE("node"),
    PYTHON("python");

    private final String id;

    Language(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public static Optional<Language> fromId(String id) {
        for (Language l : values()) {
            if (l.id.equals(id.toLowerCase(Locale.ROOT))) return Optional.of(l);
        }
        return Optional.empty();
    }

    /** The language a source file's extension implies: {@code .js .mjs .ts} → node, {@code .py} → python. */
    public static Optional<Language> forFileName(String fileName) {
        String lower = fileName.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".js") || lower.endsWith(".mjs") || lower.endsWith(".ts")) return Optional.of(NODE);
        if (lower.endsWith(".py")) return Optional.of(PYTHON);
        return Optional.empty();
    }
}
