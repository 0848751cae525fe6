package io.slipway.cli.client;

import java.util.ArrayList;
import java.util.List;

/** Text output: columns padded to their widest cell, as {@code ls} and {@code versions} print them. */
public final class Table {
    private Table() {
    }

    /** {@code headers} then one line per row, each cell left-aligned and two spaces apart; no trailing spaces. */
    public static String of(List<String> headers, List<List<String>> rows) {
        int[] widths = new int[headers.size()];
        List<List<String>> all = new ArrayList<>();
        all.add(headers);
        all.addAll(rows);
        for (List<String> row : all) {
            for (int i = 0; i < widths.length; i++) widths[i] = Math.max(widths[i], cell(row, i).length());
        }
        StringBuilder text = new StringBuilder();
        for (List<String> row : all) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < widths.length; i++) {
                line.append(i == widths.length - 1 ? cell(row, i) : pad(cell(row, i), widths[i] + 2));
            }
            text.append(line.toString().stripTrailing()).append('\n');
        }
        return text.toString();
    }

    /** Each {@code key: value} on a line, the values aligned; null values are left out. */
    public static String fields(List<String[]> pairs) {
        int width = pairs.stream().filter(p -> p[1] != null).mapToInt(p -> p[0].length()).max().orElse(0);
        StringBuilder text = new StringBuilder();
        for (String[] pair : pairs) {
            if (pair[1] != null) text.append(pad(pair[0] + ":", width + 2)).append(pair[1]).append('\n');
        }
        return text.toString();
    }

    private static String cell(List<String> row, int i) {
        String value = i < row.size() ? row.get(i) : null;
        return value == null ? "-" : value;
    }

    private static String pad(String value, int width) {
        return value + " ".repeat(Math.max(0, width - value.length()));
    }
}
