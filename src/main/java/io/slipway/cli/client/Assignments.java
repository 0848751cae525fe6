package io.slipway.cli.client;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** {@code K=V} arguments ({@code --env}, {@code env set}): a variable name, then everything after the first {@code =}. */
public final class Assignments {
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private Assignments() {
    }

    /** The variables in order; a later one of the same name wins. A usage error for one that is no {@code K=V}. */
    public static Map<String, String> parse(List<String> assignments) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String assignment : assignments == null ? List.<String>of() : assignments) {
            int equals = assignment.indexOf('=');
            if (equals < 0) throw new UsageError("'" + assignment + "' is not K=V (a variable name, '=', its value)");
            values.put(name(assignment.substring(0, equals)), assignment.substring(equals + 1));
        }
        return values;
    }

    /** {@code name} when it is a variable name (letters, digits, '_', not starting with a digit); a usage error otherwise. */
    public static String name(String name) {
        if (!NAME.matcher(name).matches()) {
            throw new UsageError("'" + name + "' is not a variable name (letters, digits and '_', not starting with a digit)");
        }
        return name;
    }
}
