package io.slipway.config;

import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntSupplier;
import java.util.regex.Pattern;

/**
 * The configuration as read, before it is typed: one text per key and where it came from (the built-in default, a
 * file, a variable, a flag). Each typed read parses the text with Slipway's one syntax for that type and, when it
 * cannot, throws an {@link InvalidValue} that names the key, the text and its source, so that a mistake is reported
 * where it was made. Not thread-safe; built and read once, at start.
 */
public final class ConfigValues {
    private static final Pattern WHOLE = Pattern.compile("[+-]?\\d+");
    private static final Pattern DECIMAL = Pattern.compile("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)");

    /** @param source a file, a variable or a flag ({@code --port}); null for the built-in default */
    private record Value(String text, String source) {
    }

    /** A value that does not parse as its key's type; the message names the key, the value and its source. */
    static final class InvalidValue extends IllegalArgumentException {
        InvalidValue(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final Map<String, Value> values = new LinkedHashMap<>();

    ConfigValues(Map<String, String> defaults) {
        defaults.forEach((key, text) -> values.put(key, new Value(text, null)));
    }

    void put(String key, String text, String source) {
        values.put(key, new Value(text, source));
    }

    /** Sets {@code key} to a default of its own unless it is set already (a custom plan's fields). */
    void putDefault(String key, String text) {
        values.putIfAbsent(key, new Value(text, null));
    }

    Set<String> keys() {
        return values.keySet();
    }

    /** Where {@code key}'s value came from, as a phrase: {@code from SLIPWAY_DATA}, {@code from --data}, {@code by default}. */
    public String source(String key) {
        Value v = value(key);
        return v.source() == null ? "by default" : "from " + v.source();
    }

    /** The text as given, spaces included. */
    String text(String key) {
        return value(key).text();
    }

    int integer(String key) {
        String text = text(key).trim();
        if (!WHOLE.matcher(text).matches()) throw invalid(key, "not a whole number", null);
        return parseInt(key, text);
    }

    /** A whole number, or {@code auto} for the number {@code auto} computes. */
    int integerOrAuto(String key, IntSupplier auto) {
        String text = text(key).trim();
        if (text.equalsIgnoreCase("auto")) return auto.getAsInt();
        if (!WHOLE.matcher(text).matches()) throw invalid(key, "not a whole number or auto", null);
        return parseInt(key, text);
    }

    private int parseInt(String key, String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw invalid(key, "out of range", e);
        }
    }

    /** A plain decimal: {@code 2}, {@code 0.5}, {@code .5}; never {@code NaN}, {@code 1e3} or {@code 2d}, which Java would take. */
    double decimal(String key) {
        String text = text(key).trim();
        if (!DECIMAL.matcher(text).matches()) throw invalid(key, "not a number (use e.g. 0.5 or 2)", null);
        return Double.parseDouble(text);
    }

    /** Only {@code true} or {@code false}, in any case: {@code yes}, {@code 1} and {@code on} mean nothing here. */
    boolean bool(String key) {
        return switch (text(key).trim().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw invalid(key, "must be true or false", null);
        };
    }

    DataSize size(String key) {
        try {
            return DataSize.parse(text(key));
        } catch (NumberFormatException | ArithmeticException e) {
            // The digits overflow a long, or the unit does: the syntax was right.
            throw invalid(key, "too large", e);
        } catch (IllegalArgumentException e) {
            throw invalid(key, "not a size (" + DataSize.SYNTAX + ")", e);
        }
    }

    Duration duration(String key) {
        try {
            return Durations.parse(text(key));
        } catch (IllegalArgumentException e) {
            throw invalid(key, "not a duration (" + Durations.SYNTAX + ")", e);
        }
    }

    /** One of {@code type}'s constants, written as its name in lower case. */
    <E extends Enum<E>> E choice(String key, Class<E> type) {
        String text = text(key).trim();
        for (E constant : type.getEnumConstants()) {
            if (constant.name().equalsIgnoreCase(text)) return constant;
        }
        List<String> words = Arrays.stream(type.getEnumConstants()).map(c -> c.name().toLowerCase(Locale.ROOT)).toList();
        String expected = words.size() == 2 ? words.get(0) + " or " + words.get(1) : "one of " + String.join(", ", words);
        throw invalid(key, "must be " + expected, null);
    }

    /** IP addresses and CIDR blocks, comma-separated; none when the value is blank. */
    AddressRanges addressRanges(String key) {
        try {
            return AddressRanges.parse(text(key));
        } catch (IllegalArgumentException e) {
            throw invalid(key, e.getMessage() + " (" + AddressRanges.SYNTAX + ")", e);
        }
    }

    /** A DNS domain ({@link AppDomain}); empty when the value is blank. */
    Optional<AppDomain> appDomain(String key) {
        try {
            return AppDomain.parse(text(key));
        } catch (IllegalArgumentException e) {
            throw invalid(key, "not " + AppDomain.SYNTAX + ": " + e.getMessage(), e);
        }
    }

    /** Empty when the value is blank. */
    Optional<URI> url(String key) {
        String text = text(key).trim();
        if (text.isEmpty()) return Optional.empty();
        try {
            return Optional.of(new URI(text));
        } catch (java.net.URISyntaxException e) {
            throw invalid(key, "not a URL (" + e.getMessage() + ")", e);
        }
    }

    /**
     * For an error that a settings record raised about the keys it names (bounds, keys that go together): where each
     * of those keys' values came from, as {@code " (sandbox.pids = '4' from SLIPWAY_SANDBOX_PIDS)"}; empty when the
     * message names no key.
     */
    String provenance(String message) {
        Map<Integer, String> named = new java.util.TreeMap<>();
        for (String key : values.keySet()) {
            var m = Pattern.compile("(?<![\\w.])" + Pattern.quote(key) + "(?![\\w.])").matcher(message);
            // A key's text is never echoed: a malformed key may still be most of the real one.
            if (m.find()) named.put(m.start(), key + (key.startsWith("secrets.") ? " " : " = '" + text(key) + "' ") + source(key));
        }
        // In the order the message names them.
        return named.isEmpty() ? "" : " (" + String.join("; ", named.values()) + ")";
    }

    private Value value(String key) {
        Value v = values.get(key);
        if (v == null) throw new IllegalStateException("no configuration key " + key);
        return v;
    }

    private InvalidValue invalid(String key, String problem, Throwable cause) {
        Value v = value(key);
        return new InvalidValue(key + " = '" + v.text() + "' (" + source(key) + "): " + problem, cause);
    }
}
