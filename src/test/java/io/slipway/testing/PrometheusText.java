package io.slipway.testing;

import static org.assertj.core.api.Assertions.assertThat;

/** Reads samples out of a scrape in Prometheus's text format, as a test asserts on them. */
public final class PrometheusText {
    private PrometheusText() {
    }

    /**
     * The value of the one sample named {@code series}, its name and labels as the text format writes them
     * ({@code name{a="1",b="2"}}, labels in alphabetical order); fails the test when there is not exactly one.
     */
    public static double value(String scrape, String series) {
        var lines = scrape.lines().filter(line -> line.startsWith(series + " ")).toList();
        assertThat(lines).as("%s in the scrape:%n%s", series, scrape).hasSize(1);
        return Double.parseDouble(lines.getFirst().substring(series.length() + 1).split(" ")[0]);
    }
}
