package io.slipway.config;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The {@code SLIPWAY_*} environment variables: the variable of each configuration key ({@code SLIPWAY_} and the key
 * in upper snake case), the key each variable names, and the variables set that name none. A misspelt variable is
 * not an error, since it is no key of the file and anything may be in an environment, but it is reported at start,
 * with the closest known name.
 */
public final class Variables {
    private static final String PREFIX = "SLIPWAY_";
    private static final String PLANS = PREFIX + "PLANS_";

    /**
     * Variables that belong to other readers: the launcher's ({@code SLIPWAY_JAR}, {@code SLIPWAY_JAVA_OPTS}), the
     * label every sandboxed process carries ({@code SLIPWAY_SANDBOX}), and the client commands' (DESIGN §7).
     */
    private static final Set<String> OTHERS = Set.of("SLIPWAY_JAR", "SLIPWAY_JAVA_OPTS", "SLIPWAY_SANDBOX", "SLIPWAY_SERVER",
            "SLIPWAY_TOKEN");

    private static final Map<String, String> KEYS_BY_NAME = ConfigLoader.DEFAULTS.keySet().stream()
            .collect(Collectors.toUnmodifiableMap(Variables::nameOf, key -> key));

    private Variables() {
    }

    /** {@code instances.startTimeout} → {@code SLIPWAY_INSTANCES_START_TIMEOUT}. */
    public static String nameOf(String key) {
        return PREFIX + key.replace('.', '_').replaceAll("([a-z])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT);
    }

    /**
     * The key {@code variable} sets, if any: one of the built-in keys, or a field of a plan of any name
     * ({@code SLIPWAY_PLANS_TEAM_APPS} → {@code plans.team.apps}), since plans are configured by name.
     */
    public static Optional<String> keyOf(String variable) {
        String key = KEYS_BY_NAME.get(variable);
        if (key != null) return Optional.of(key);
        if (!variable.startsWith(PLANS)) return Optional.empty();
        String rest = variable.substring(PLANS.length());
        for (String field : ConfigLoader.PLAN_FIELDS) {
            String suffix = nameOf(field).substring(PREFIX.length() - 1);
            if (!rest.endsWith(suffix)) continue;
            String candidate = "plans." + rest.substring(0, rest.length() - suffix.length()).toLowerCase(Locale.ROOT) + "." + field;
            // Plan names are lower case: only the variable spelt exactly as the key's own names it.
            if (ConfigLoader.PLAN_KEY.matcher(candidate).matches() && nameOf(candidate).equals(variable)) return Optional.of(candidate);
        }
        return Optional.empty();
    }

    /** One warning per variable in {@code env} that starts with {@code SLIPWAY_} but names no key, by name. */
    public static List<String> unknown(Map<String, String> env) {
        List<String> warnings = new ArrayList<>();
        for (String variable : new TreeSet<>(env.keySet())) {
            if (!variable.startsWith(PREFIX) || OTHERS.contains(variable) || keyOf(variable).isPresent()) continue;
            String warning = variable + " is set but names no configuration key, so it is ignored";
            warnings.add(closest(variable, candidates(variable)).map(name -> warning + " (did you mean " + name + "?)").orElse(warning));
        }
        return warnings;
    }

    /** Every known name, and for what looks like a plan's field, that plan's fields. */
    private static Collection<String> candidates(String variable) {
        Set<String> names = new TreeSet<>(KEYS_BY_NAME.keySet());
        if (variable.startsWith(PLANS)) {
            String rest = variable.substring(PLANS.length());
            String plan = rest.contains("_") ? rest.substring(0, rest.indexOf('_')) : rest;
            for (String field : ConfigLoader.PLAN_FIELDS) {
                names.add(nameOf("plans." + plan.toLowerCase(Locale.ROOT) + "." + field));
            }
        }
        return names;
    }

    /**
     * The candidate fewest edits away from {@code name}, if it is close enough to be a likely slip: at most two edits,
     * or a third of the name's length (past {@code SLIPWAY_}), whichever allows more.
     */
    static Optional<String> closest(String name, Collection<String> candidates) {
        int significant = name.startsWith(PREFIX) ? name.length() - PREFIX.length() : name.length();
        int allowed = Math.max(2, significant / 3);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : candidates) {
            int d = distance(name, candidate);
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        return bestDistance <= allowed ? Optional.ofNullable(best) : Optional.empty();
    }

    /** Levenshtein distance: insertions, deletions and substitutions. */
    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) previous[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
