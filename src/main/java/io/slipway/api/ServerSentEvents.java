package io.slipway.api;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;

/**
 * Server-Sent Events (WHATWG HTML, "Server-sent events") written so that no data can break out of its event. A parser
 * ends a line at CR, LF or CRLF alike, so a CR inside a field would start a field of the writer's choosing ({@code id:},
 * {@code event:}, {@code retry:}) or, doubled, end the event: every line of data therefore becomes a {@code data:}
 * field of its own, however it ends, and every event and comment is written whole with its closing blank line, never
 * half of one.
 */
final class ServerSentEvents {
    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);

    private ServerSentEvents() {
    }

    /**
     * Appends one event to {@code out}.
     *
     * @param id   its {@code id:}, or null for none
     * @param type its {@code event:}, or null for a plain message
     * @param data its text: each line of it (ended by CR, LF, CRLF or the end) becomes one {@code data:} field
     * @throws IllegalArgumentException when {@code id} or {@code type} holds a CR, LF or NUL
     */
    static void event(Buffer out, String id, String type, byte[] data, int from, int to) {
        if (id != null) out.appendString("id: " + field("id", id) + "\n");
        if (type != null) out.appendString("event: " + field("event", type) + "\n");
        int line = from;
        for (int i = from; i < to; i++) {
            byte b = data[i];
            if (b != '\r' && b != '\n') continue;
            out.appendBytes(DATA).appendBytes(data, line, i - line).appendByte((byte) '\n');
            if (b == '\r' && i + 1 < to && data[i + 1] == '\n') i++;
            line = i + 1;
        }
        if (line < to || line == from) out.appendBytes(DATA).appendBytes(data, line, to - line).appendByte((byte) '\n');
        out.appendByte((byte) '\n');
    }

    /** {@link #event(Buffer, String, String, byte[], int, int)} of all of {@code text}. */
    static void event(Buffer out, String id, String type, String text) {
        byte[] data = text.getBytes(StandardCharsets.UTF_8);
        event(out, id, type, data, 0, data.length);
    }

    /** Appends a comment ({@code : text}), which parsers skip: a keep-alive, say. Line ends in {@code text} become spaces. */
    static void comment(Buffer out, String text) {
        out.appendString(": " + text.replace('\r', ' ').replace('\n', ' ') + "\n\n");
    }

    private static String field(String name, String value) {
        if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0 || value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("an event's " + name + " cannot hold CR, LF or NUL");
        }
        return value;
    }
}
