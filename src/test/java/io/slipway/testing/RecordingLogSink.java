package io.slipway.testing;

import io.slipway.logs.LogSink;
import io.slipway.logs.LogSource;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A {@link LogSink} that keeps every line in memory with its source, so that a test asserts on an app's log without
 * files. Lines end at LF, CR or CRLF, as the file sink's do; empty ones are kept. Thread-safe.
 */
public final class RecordingLogSink implements LogSink {
    /** One line of the log: who wrote it, and what. */
    public record Line(LogSource source, String text) {
    }

    private final List<Line> lines = new CopyOnWriteArrayList<>();

    @Override
    public Thread pump(InputStream output, LogSource source) {
        return Thread.ofPlatform().name("recording-log-" + source.tag()).daemon().start(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(output, StandardCharsets.UTF_8))) {
                for (String line = reader.readLine(); line != null; line = reader.readLine()) lines.add(new Line(source, line));
            } catch (IOException e) {
                throw new UncheckedIOException("the output being recorded failed", e);
            }
        });
    }

    @Override
    public void event(String text) {
        lines.add(new Line(LogSource.SLIPWAY, text));
    }

    /** The last lines whose text, one per line, fits in {@code maxBytes}. */
    @Override
    public String tail(int maxBytes) {
        StringBuilder tail = new StringBuilder();
        List<Line> all = lines();
        for (int i = all.size() - 1; i >= 0; i--) {
            String line = "[" + all.get(i).source().tag() + "] " + all.get(i).text() + "\n";
            if (tail.length() + line.length() > maxBytes) break;
            tail.insert(0, line);
        }
        return tail.toString();
    }

    /** Every line so far, in the order the sink received them. */
    public List<Line> lines() {
        return List.copyOf(lines);
    }

    /** The text of the lines of {@code source} so far, in order. */
    public List<String> of(LogSource source) {
        return lines.stream().filter(l -> l.source() == source).map(Line::text).toList();
    }
}
