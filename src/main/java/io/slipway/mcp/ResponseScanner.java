package io.slipway.mcp;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.async.ByteArrayFeeder;
import java.io.IOException;

/**
 * Finds the JSON-RPC response to one request in an answer as it streams past, a JSON body or an SSE stream
 * ({@code text/event-stream}, where the server may send requests and notifications before it), without keeping the
 * answer: chunks are fed to Jackson's non-blocking parser, which holds one token at a time, and only the few fields that
 * decide the outcome are noted ({@code id}, {@code method}, whether there is an {@code error}, {@code result.isError}).
 * Memory is bounded whatever the answer's size; after {@code maxBytes} the scanner gives up. Not thread-safe: one
 * answer, fed in order.
 */
public final class ResponseScanner {
    /** Where the scan stands. */
    public enum State { LOOKING, ANSWERED, FAILED, GAVE_UP }

    private static final JsonFactory JSON = new JsonFactory();
    private static final byte[] DATA = "data:".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] NEWLINE = {'\n'};

    private final String idKey;
    private final boolean eventStream;
    private final long maxBytes;
    private long scanned;
    private State state = State.LOOKING;
    private JsonParser parser;
    // Per message: depth in its JSON, the field being read at depth 1 (or 2 inside result), and what was seen.
    private int depth;
    private String field;
    private boolean inResult;
    private String messageId;
    private boolean method;
    private boolean result;
    private boolean error;
    private boolean isError;
    // SSE: where in the current line the scan is.
    private int linePrefix;
    private boolean inData;
    private boolean skipLine;
    private boolean dataInEvent;
    private boolean afterCr;

    /**
     * @param idKey       the request's id ({@link ToolCalls#idKey}), or null to take the first response seen
     * @param eventStream whether the answer is an SSE stream rather than one JSON message
     */
    public ResponseScanner(String idKey, boolean eventStream, long maxBytes) {
        this.idKey = idKey;
        this.eventStream = eventStream;
        this.maxBytes = maxBytes;
        if (!eventStream) parser = newParser();
    }

    public State state() {
        return state;
    }

    /** Scans the next bytes of the answer; returns the state after them. */
    public State feed(byte[] bytes) {
        if (state != State.LOOKING) return state;
        scanned += bytes.length;
        if (scanned > maxBytes) return state = State.GAVE_UP;
        if (!eventStream) {
            parse(bytes, 0, bytes.length);
            return state;
        }
        int i = 0;
        while (i < bytes.length && state == State.LOOKING) i = line(bytes, i);
        return state;
    }

    /** One step of an SSE line: from {@code i}, up to the end of the line or of the bytes; returns where it stopped. */
    private int line(byte[] bytes, int i) {
        byte b = bytes[i];
        if (b == '\n' && afterCr) {
            afterCr = false;
            return i + 1;
        }
        afterCr = false;
        if (b == '\n' || b == '\r') {
            afterCr = b == '\r';
            boolean empty = linePrefix == 0 && !inData && !skipLine;
            linePrefix = 0;
            inData = false;
            skipLine = false;
            if (empty) endEvent();
            return i + 1;
        }
        if (skipLine) return i + 1;
        if (!inData) {
            if (b != DATA[linePrefix]) {
                skipLine = true;
                return i + 1;
            }
            if (++linePrefix < DATA.length) return i + 1;
            inData = true;
            if (dataInEvent) parse(NEWLINE, 0, 1); // the event's data lines are joined by newlines
            if (parser == null) parser = newParser();
            dataInEvent = true;
            // One leading space after "data:" is not part of the value; JSON ignores it anyway.
            return i + 1;
        }
        int end = i;
        while (end < bytes.length && bytes[end] != '\n' && bytes[end] != '\r') end++;
        parse(bytes, i, end);
        return end;
    }

    private void endEvent() {
        if (parser != null) {
            try {
                parser.getNonBlockingInputFeeder().endOfInput();
                drain();
            } catch (IOException e) {
                // An event that is no JSON-RPC message is not the response: the stream goes on.
            }
        }
        parser = null;
        dataInEvent = false;
        depth = 0;
    }

    private void parse(byte[] bytes, int from, int to) {
        if (parser == null || from >= to) return;
        try {
            ((ByteArrayFeeder) parser.getNonBlockingInputFeeder()).feedInput(bytes, from, to);
            drain();
        } catch (IOException e) {
            if (!eventStream) state = State.FAILED;
            parser = null; // the rest of this event is skipped
        }
    }

    private void drain() throws IOException {
        JsonToken token;
        while (state == State.LOOKING && (token = parser.nextToken()) != null && token != JsonToken.NOT_AVAILABLE) token(token);
    }

    private void token(JsonToken token) throws IOException {
        switch (token) {
            case FIELD_NAME -> {
                if (depth == 1 || (depth == 2 && inResult)) field = parser.currentName();
            }
            case START_OBJECT, START_ARRAY -> {
                if (depth == 0) startMessage();
                if (depth == 1 && "result".equals(field)) {
                    result = true;
                    inResult = token == JsonToken.START_OBJECT;
                }
                if (depth == 1 && "error".equals(field)) error = true;
                depth++;
                field = null;
            }
            case END_OBJECT, END_ARRAY -> {
                depth--;
                if (depth == 1) inResult = false;
                if (depth == 0) endMessage();
            }
            default -> scalar(token);
        }
    }

    private void scalar(JsonToken token) throws IOException {
        if (depth == 1 && field != null) {
            switch (field) {
                case "id" -> messageId = ToolCalls.idKey(token, parser.getText());
                case "method" -> method = true;
                case "result" -> result = true;
                case "error" -> error |= token != JsonToken.VALUE_NULL;
                default -> { }
            }
        } else if (depth == 2 && inResult && "isError".equals(field) && token == JsonToken.VALUE_TRUE) {
            isError = true;
        }
        field = null;
    }

    private void startMessage() {
        messageId = null;
        method = false;
        result = false;
        error = false;
        isError = false;
        inResult = false;
    }

    private void endMessage() {
        boolean response = !method && (result || error);
        if (response && (idKey == null || idKey.equals(messageId))) state = error || isError ? State.FAILED : State.ANSWERED;
    }

    private static JsonParser newParser() {
        try {
            return JSON.createNonBlockingByteArrayParser();
        } catch (IOException e) {
            throw new IllegalStateException("Jackson has no non-blocking parser", e);
        }
    }
}
