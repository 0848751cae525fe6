package io.slipway.build;

import io.slipway.app.InvalidInputException;
import io.slipway.app.Language;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Parses the {@code requirements} field into package specs the package manager will read as plain names and
 * versions, never as URLs, paths, flags or shell syntax. Specs are separated by spaces, commas or newlines; for
 * Python a token that starts with a comparison operator continues the previous spec ({@code fastapi>=0.1,<1}).
 */
public final class Requirements {
    // npm: an optional scope, a lowercase URL-safe name, then an optional version, range or dist-tag.
    private static final Pattern NPM = Pattern.compile(
            "(@[a-z0-9][a-z0-9._~-]*/)?[a-z0-9][a-z0-9._~-]*(@[A-Za-z0-9.^~<>=*|+_-]+)?");
    // PEP 508 name, optional extras, then PEP 440 specifiers joined by commas.
    private static final String PY_OP = "(===|==|!=|~=|<=|>=|<|>)";
    private static final Pattern PY = Pattern.compile(
            "([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9])(\\[[A-Za-z0-9._,-]+])?"
                    + "(" + PY_OP + "[A-Za-z0-9.*+!_-]+(," + PY_OP + "[A-Za-z0-9.*+!_-]+)*)?");
    // A name or version ending like an archive file: npm (npm-package-arg) and pip read such a spec as a local file's
    // path, not as a package in the registry, whatever else it looks like.
    private static final Pattern ARCHIVE = Pattern.compile(
            "\\.(tgz|tar|tar\\.gz|tbz|tar\\.bz2|txz|tlz|tar\\.xz|tar\\.lz|tar\\.lzma|zip|whl)(?![A-Za-z0-9._-])",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern PY_CONTINUATION = Pattern.compile("^" + PY_OP + ".*");
    private static final int MAX_SPEC_LENGTH = 214;

    private Requirements() {
    }

    /**
     * @return the specs, normalised (Python names per PEP 503) and sorted, without duplicates
     * @throws InvalidInputException {@code invalid-requirements}, naming the first bad spec
     */
    public static List<String> parse(Language language, String text, int maxCount) {
        if (text == null || text.isBlank()) return List.of();
        List<String> tokens = new ArrayList<>();
        for (String token : text.trim().split("[\\s,]+")) {
            if (token.isEmpty()) continue;
            if (language == Language.PYTHON && !tokens.isEmpty() && PY_CONTINUATION.matcher(token).matches()) {
                tokens.set(tokens.size() - 1, tokens.getLast() + "," + token);
            } else {
                tokens.add(token);
            }
        }
        TreeSet<String> specs = new TreeSet<>();
        for (String token : tokens) specs.add(check(language, token));
        if (specs.size() > maxCount) {
            throw new InvalidInputException("invalid-requirements", "at most " + maxCount + " requirements are allowed, got " + specs.size());
        }
        return List.copyOf(specs);
    }

    private static String check(Language language, String spec) {
        if (spec.length() > MAX_SPEC_LENGTH) {
            throw new InvalidInputException("invalid-requirements", "requirement is longer than " + MAX_SPEC_LENGTH + " characters: '" + abbreviate(spec) + "'");
        }
        boolean ok = switch (language) {
            case NODE -> NPM.matcher(spec).matches();
            case PYTHON -> PY.matcher(spec).matches();
        };
        if (!ok) {
            String expected = language == Language.NODE
                    ? "an npm package name with an optional @version (e.g. express@5, @scope/pkg)"
                    : "a Python package name with optional version specifiers (e.g. fastapi==0.115, uvicorn>=0.30)";
            throw new InvalidInputException("invalid-requirements", "'" + abbreviate(spec) + "' is not " + expected
                    + "; URLs, paths, flags and shell syntax are not allowed");
        }
        if (ARCHIVE.matcher(spec).find()) {
            throw new InvalidInputException("invalid-requirements", "'" + abbreviate(spec) + "' ends like an archive file's name, which "
                    + (language == Language.NODE ? "npm" : "pip") + " would read as a local path; give the package's name and version instead");
        }
        return language == Language.PYTHON ? normalisePythonName(spec) : spec;
    }

    /**
     * The package a spec that {@link #parse} returned names, without its version or extras: {@code @scope/name} of
     * {@code @scope/name@1}, {@code mcp} of {@code mcp[cli]<2}.
     */
    public static String name(Language language, String spec) {
        return switch (language) {
            case NODE -> {
                int at = spec.indexOf('@', 1);
                yield at < 0 ? spec : spec.substring(0, at);
            }
            case PYTHON -> spec.split("[\\[=!~<>]", 2)[0];
        };
    }

    private static String normalisePythonName(String spec) {
        int end = 0;
        while (end < spec.length() && (Character.isLetterOrDigit(spec.charAt(end)) || "._-".indexOf(spec.charAt(end)) >= 0)) end++;
        return spec.substring(0, end).toLowerCase(Locale.ROOT).replaceAll("[-_.]+", "-") + spec.substring(end);
    }

    /** The content address of a dependency set installed on this host: SHA-256 of the language and the normalised specs. */
    public static String key(Language language, List<String> specs) {
        return key(language, "", specs);
    }

    /**
     * The content address of a dependency set installed where {@code environment} names ({@link
     * io.slipway.runtime.BuildEnvironment#identity()}, empty for this host): SHA-256 of the language, that identity
     * unless empty (so that sets installed on this host keep their addresses), and the normalised specs.
     */
    public static String key(Language language, String environment, List<String> specs) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            String where = environment.isEmpty() ? "" : "built in " + environment + "\n";
            sha.update((language.id() + "\n" + where + String.join("\n", specs)).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String abbreviate(String s) {
        String printable = s.replaceAll("\\p{Cntrl}", "?");
        return printable.length() > 60 ? printable.substring(0, 60) + "…" : printable;
    }
}
