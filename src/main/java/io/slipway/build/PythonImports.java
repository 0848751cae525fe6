package io.slipway.build;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Finds the relative imports of a Python file ({@code from . import x}, {@code from .helper import y}), which name a
 * package beside the file and so can never load from one uploaded file. A plain {@code import helper} is left alone: it
 * may be a requirement.
 *
 * <p>It reads the code as Python's tokenizer does, as far as this needs: strings (any prefix, single or triple
 * quoted) and comments are skipped, and {@code from} counts only where a statement starts: at the start of a logical
 * line (not inside brackets, not after a backslash), or after {@code ;} or a compound statement's {@code :}. Elsewhere
 * {@code from .x} is not valid Python, so no valid file is refused; a file that is not valid Python fails when it runs.
 */
final class PythonImports {
    private final String source;
    private int at;

    private PythonImports(String source) {
        this.source = source;
    }

    /** The modules of the relative imports, as written ({@code .}, {@code .helper}, {@code ..pkg.mod}), in order. */
    static List<String> relative(String source) {
        return new PythonImports(source).scan();
    }

    private List<String> scan() {
        List<String> found = new ArrayList<>();
        int depth = 0;
        boolean statementStart = true;
        while (at < source.length()) {
            char c = source.charAt(at);
            if (c == '#') {
                while (at < source.length() && source.charAt(at) != '\n') at++;
            } else if (c == '\'' || c == '"') {
                skipString(c);
                statementStart = false;
            } else if (lineContinuation(at) > 0) {
                at += lineContinuation(at);
            } else if (c == '\n') {
                at++;
                if (depth == 0) statementStart = true;
            } else if (Character.isWhitespace(c)) {
                at++;
            } else if (Character.isJavaIdentifierStart(c)) {
                int start = at;
                while (at < source.length() && Character.isJavaIdentifierPart(source.charAt(at))) at++;
                if (statementStart && source.startsWith("from", start) && at - start == 4) relativeModule().ifPresent(found::add);
                statementStart = false;
            } else {
                if (c == '(' || c == '[' || c == '{') depth++;
                if ((c == ')' || c == ']' || c == '}') && depth > 0) depth--;
                statementStart = depth == 0 && (c == ';' || c == ':');
                at++;
            }
        }
        return found;
    }

    /** After {@code from}: the dotted module when it starts with a dot, else empty (the scan goes on from there). */
    private Optional<String> relativeModule() {
        int i = at;
        while (i < source.length()) {
            int continuation = lineContinuation(i);
            if (continuation > 0) {
                i += continuation;
            } else if (source.charAt(i) == ' ' || source.charAt(i) == '\t' || source.charAt(i) == '\f') {
                i++;
            } else {
                break;
            }
        }
        if (i >= source.length() || source.charAt(i) != '.') return Optional.empty();
        int start = i;
        while (i < source.length() && (source.charAt(i) == '.' || Character.isJavaIdentifierPart(source.charAt(i)))) i++;
        at = i;
        return Optional.of(source.substring(start, i));
    }

    /** The length of a backslash that joins the next line to this one at {@code i} (LF or CRLF), else 0. */
    private int lineContinuation(int i) {
        if (source.startsWith("\\\n", i)) return 2;
        if (source.startsWith("\\\r\n", i)) return 3;
        return 0;
    }

    /** Skips a string whose opening quote is at {@link #at}: a backslash always keeps the next character in it. */
    private void skipString(char quote) {
        boolean triple = source.startsWith(String.valueOf(quote).repeat(3), at);
        at += triple ? 3 : 1;
        while (at < source.length()) {
            char c = source.charAt(at);
            if (c == '\\') {
                at += 2;
            } else if (triple ? source.startsWith(String.valueOf(quote).repeat(3), at) : c == quote) {
                at += triple ? 3 : 1;
                return;
            } else if (c == '\n' && !triple) {
                return;
            } else {
                at++;
            }
        }
    }
}
