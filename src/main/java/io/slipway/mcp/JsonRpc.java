package io.slipway.mcp;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The parts of one JSON-RPC 2.0 message that Slipway reads, taken from its text without re-encoding anything: the
 * {@code result} and {@code id} are kept as the exact characters the sender wrote, so an answer replayed from them is
 * byte for byte the app's. Also splits an SSE body into its events' data. Parsing never throws: what is not a message
 * is empty.
 *
 * @param method  the request's or notification's method, or null for a response
 * @param id      the id as written ({@code 1}, {@code "a"}), or null for a notification
 * @param result  a response's {@code result} as written, or null
 * @param error   a response's {@code error} as written, or null
 * @param params  a request's {@code params} as written, or null
 */
public record JsonRpc(String method, String id, String result, String error, String params) {
    private static final JsonFactory JSON = new JsonFactory();

    /** The message {@code text} holds, if it is one JSON-RPC object (a batch, an array, is not read here). */
    public static Optional<JsonRpc> parse(String text) {
        try (JsonParser parser = JSON.createParser(text)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) return Optional.empty();
            String method = null, id = null, result = null, error = null, params = null;
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                JsonToken value = parser.nextToken();
                int start = (int) parser.currentTokenLocation().getCharOffset();
                if (value.isStructStart()) parser.skipChildren(); else parser.getText(); // a scalar is read to its end
                int end = (int) parser.currentLocation().getCharOffset();
                String raw = text.substring(start, end);
                switch (field) {
                    case "method" -> method = value == JsonToken.VALUE_STRING ? parser.getText() : null;
                    case "id" -> id = raw;
                    case "result" -> result = raw;
                    case "error" -> error = raw;
                    case "params" -> params = raw;
                    default -> { }
                }
            }
            return parser.currentToken() == JsonToken.END_OBJECT && parser.nextToken() == null
                    ? Optional.of(new JsonRpc(method, id, result, error, params)) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The {@code data} of each event of an SSE body ({@code text/event-stream}), its lines joined by newlines. */
    public static List<String> eventData(String body) {
        List<String> events = new ArrayList<>();
        StringBuilder data = null;
        for (String line : body.split("\r\n|\n|\r", -1)) {
            if (line.isEmpty()) {
                if (data != null) events.add(data.toString());
                data = null;
            } else if (line.startsWith("data:")) {
                String value = line.substring(5).startsWith(" ") ? line.substring(6) : line.substring(5);
                data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
            }
        }
        if (data != null) events.add(data.toString());
        return events;
    }

    /** A response to {@code id} with {@code result}, both as written: the replay of a recorded answer to another request. */
    public static String response(String id, String result) {
        return "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"result\":" + result + "}";
    }
}
