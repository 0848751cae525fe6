package io.slipway.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A number of bytes, written in configuration as {@code 1MiB}, {@code 512KiB}, {@code 256m} or plain bytes. */
public record DataSize(long bytes) {
    /** How to write a size, for error messages. */
    public static final String SYNTAX = "use e.g. 512KiB, 1MiB, 2GiB";
    private static final Pattern FORMAT = Pattern.compile("(\\d+)\\s*([kmgt]?)(i?b?)?");

    public DataSize {
        if (bytes < 0) throw new IllegalArgumentException("a size cannot be negative: " + bytes);
    }

    public static DataSize ofMebibytes(long mebibytes) {
        return new DataSize(mebibytes * 1024 * 1024);
    }

    /** Parses {@code 1MiB}, {@code 1MB}, {@code 1m}, {@code 1048576}; every unit is binary (1 KiB = 1024 bytes). */
    public static DataSize parse(String text) {
        Matcher m = FORMAT.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) throw new IllegalArgumentException("not a size: '" + text + "' (" + SYNTAX + ")");
        long value = Long.parseLong(m.group(1));
        int shift = switch (m.group(2)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            case "t" -> 40;
            default -> 0;
        };
        return new DataSize(Math.multiplyExact(value, 1L << shift));
    }

    @Override
    public String toString() {
        if (bytes >= 1L << 30 && bytes % (1L << 30) == 0) return (bytes >> 30) + "GiB";
        if (bytes >= 1L << 20 && bytes % (1L << 20) == 0) return (bytes >> 20) + "MiB";
        if (bytes >= 1L << 10 && bytes % (1L << 10) == 0) return (bytes >> 10) + "KiB";
        return bytes + "B";
    }
}
