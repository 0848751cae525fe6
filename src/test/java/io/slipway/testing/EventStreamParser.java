package io.slipway.testing;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The WHATWG HTML standard's event-stream interpretation ("Server-sent events", §9.2.6), as EventSource does it in a
 * browser: a line ends at CR, LF or CRLF; a blank line dispatches the event; {@code id} persists across events (and
 * is ignored when it holds NUL); {@code retry} takes only digits. Fed bytes as they arrive, in any pieces. It also
 * records every field name and comment it met, which a browser would not show, so that tests can see what was sent.
 */
public final class EventStreamParser {
    /** A dispatched event, as an EventSource listener gets it: its type ("message" by default), data and lastEventId. */
    public record Event(String type, String data, String lastEventId) {
    }

    private final List<Event> events = new ArrayList<>();
    private final List<String> comments = new ArrayList<>();
    private final List<String> fields = new ArrayList<>();
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private final StringBuilder data = new StringBuilder();
    private String type = "";
    private String lastEventIdBuffer = "";
    private String lastEventId = "";
    private long retry = -1;
    private boolean afterCr;
    private boolean started;

    public synchronized void feed(byte[] bytes, int from, int length) {
        for (int i = from; i < from + length; i++) {
            byte b = bytes[i];
            if (b == '\n' && afterCr) {
                afterCr = false;
                continue;
            }
            afterCr = b == '\r';
            if (b == '\r' || b == '\n') {
                line(line.toString(StandardCharsets.UTF_8));
                line.reset();
            } else {
                line.write(b);
            }
        }
    }

    private void line(String text) {
        if (!started) {
            started = true;
            if (text.startsWith("\uFEFF")) text = text.substring(1);
        }
        if (text.isEmpty()) {
            dispatch();
            return;
        }
        if (text.startsWith(":")) {
            comments.add(text.substring(1).strip());
            return;
        }
        int colon = text.indexOf(':');
        String field = colon < 0 ? text : text.substring(0, colon);
        String value = colon < 0 ? "" : text.substring(colon + 1);
        if (value.startsWith(" ")) value = value.substring(1);
        fields.add(field);
        switch (field) {
            case "event" -> type = value;
            case "data" -> data.append(value).append('\n');
            case "id" -> {
                if (value.indexOf('\0') < 0) lastEventIdBuffer = value;
            }
            case "retry" -> {
                if (!value.isEmpty() && value.chars().allMatch(Character::isDigit)) retry = Long.parseLong(value);
            }
            default -> {
                // ignored, as the standard says
            }
        }
    }

    private void dispatch() {
        lastEventId = lastEventIdBuffer;
        if (data.isEmpty()) {
            type = "";
            return;
        }
        String text = data.substring(0, data.length() - 1);
        events.add(new Event(type.isEmpty() ? "message" : type, text, lastEventId));
        data.setLength(0);
        type = "";
    }

    public synchronized List<Event> events() {
        return List.copyOf(events);
    }

    public synchronized List<String> comments() {
        return List.copyOf(comments);
    }

    /** Every field name met, in order, repeats included: {@code id}, {@code data}, … */
    public synchronized List<String> fields() {
        return List.copyOf(fields);
    }

    /** The reconnection time a {@code retry} field set, or -1. */
    public synchronized long retry() {
        return retry;
    }

    /** The id an EventSource would send as {@code Last-Event-ID} if it reconnected now. */
    public synchronized String lastEventId() {
        return lastEventId;
    }
}
