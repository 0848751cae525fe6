package io.slipway.cli.client;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.function.Predicate;

/**
 * An open {@code text/event-stream} (WHATWG HTML, "Server-sent events"), read event by event. {@link #close()} from
 * another thread ends a {@link #read} that is waiting. Comments (keep-alives) are skipped.
 */
public final class EventStream implements AutoCloseable {
    /** One event: its {@code event:} type ({@code message} when none) and its {@code data:} lines joined by LF. */
    public record Event(String type, String data) {
    }

    private final InputStream body;
    private final BufferedReader reader;
    private volatile boolean closed;

    EventStream(InputStream body) {
        this.body = body;
        this.reader = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
    }

    /**
     * Hands each event to {@code handler} until it answers false, the server ends the stream, or {@link #close()} is
     * called; blocks meanwhile. Throws {@link UncheckedIOException} when the stream breaks unless it was closed.
     */
    public void read(Predicate<Event> handler) {
        String type = null;
        StringBuilder data = null;
        try {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (line.isEmpty()) {
                    if (data != null && !handler.test(new Event(type == null ? "message" : type, data.toString()))) return;
                    type = null;
                    data = null;
                    continue;
                }
                if (line.startsWith(":")) continue;
                int colon = line.indexOf(':');
                String field = colon < 0 ? line : line.substring(0, colon);
                String value = colon < 0 ? "" : line.substring(colon + (line.startsWith(": ", colon) ? 2 : 1));
                if (field.equals("event")) type = value;
                if (field.equals("data")) data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
            }
        } catch (IOException e) {
            if (!closed) throw new UncheckedIOException("the event stream broke", e);
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            body.close();
        } catch (IOException e) {
            // Closing is how a reader is stopped; a stream that will not close cleanly has nothing more to give.
        }
    }
}
