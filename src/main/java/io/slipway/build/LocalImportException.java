package io.slipway.build;

import io.slipway.app.SlipwayError;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.stream.Collectors;

/**
 * An upload that imports a file of its own beside it ({@code ./helper}, {@code ../lib}, Python's {@code from . import
 * x}): Slipway runs the one file uploaded, so such an import can never load. {@code local-import}, refused before
 * anything is installed or run, with a detail that says how to make it one file.
 */
public final class LocalImportException extends SlipwayError {
    private static final int NAMED = 5;

    /** @param imports the local imports as written in the file, in order */
    LocalImportException(String fileName, List<String> imports) {
        super(Kind.UNPROCESSABLE, "local-import", detail(fileName, List.copyOf(new LinkedHashSet<>(imports))));
    }

    /** Whether node would look for {@code specifier} as a file beside the module. */
    static boolean isLocal(String specifier) {
        return specifier.equals(".") || specifier.equals("..") || specifier.startsWith("./") || specifier.startsWith("../");
    }

    private static String detail(String fileName, List<String> imports) {
        boolean one = imports.size() == 1;
        String named = imports.stream().limit(NAMED).map(i -> "'" + i + "'").collect(Collectors.joining(", "));
        if (imports.size() > NAMED) named += " and " + (imports.size() - NAMED) + " more";
        return "Slipway runs one file: " + fileName + " imports " + named + ", which " + (one ? "is" : "are")
                + " not part of the upload. Inline " + (one ? "its" : "their") + " code into " + fileName
                + " (or publish " + (one ? "it" : "them") + " as a package and add it to requirements)";
    }
}
