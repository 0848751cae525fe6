package io.slipway.mcp;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import java.util.function.Function;

/**
 * Which requests are tool calls, and to which tool: the JSON-RPC method {@code tools/call} and its {@code params.name},
 * taken from the request's {@code Mcp-Method} and {@code Mcp-Name} headers when it has them (the 2026-07-28 revision,
 * SEP-2243, whose clients mirror the body there, a value that is no plain ASCII as {@code =?base64?…?=}), else from its
 * body. Tool names are the app's and the client's strings: a name is kept only when it has 1 to {@link #MAX_NAME}
 * characters and no control characters; any other is {@link #OTHER}, a name no MCP tool can have.
 */
public final class ToolCalls {
    /** Tool names SHOULD have 1 to 128 characters (MCP 2025-11-25, Tools). */
    public static final int MAX_NAME = 128;
    /** Where calls to tools whose names Slipway does not keep are counted: parentheses are not in a tool name's alphabet. */
    public static final String OTHER = "(other)";
    /** SEP-2243's headers, which mirror a request's method and its {@code params.name}. */
    public static final String METHOD_HEADER = "Mcp-Method";
    public static final String NAME_HEADER = "Mcp-Name";
    private static final JsonFactory JSON = new JsonFactory();
    private static final String BASE64_PREFIX = "=?base64?";
    private static final String BASE64_SUFFIX = "?=";

    private ToolCalls() {
    }

    /**
     * One call: the tool's name as counted, and the request's id as written ({@code 7}, {@code "a"}) with its
     * {@link #idKey key}, both null when the body was not read (the headers alone said it is a tool call).
     */
    public record Call(String tool, String id, String idKey) {
    }

    /**
     * The tool call a request is, if it is one.
     *
     * @param header the request's header of a name, or null
     * @param body   the request's body as read, empty when it was not read or is no single JSON-RPC message
     */
    public static Optional<Call> recognise(Function<String, String> header, Optional<JsonRpc> body) {
        String method = header.apply(METHOD_HEADER);
        if (method == null) method = body.map(JsonRpc::method).orElse(null);
        if (!"tools/call".equals(method)) return Optional.empty();
        // A notification is no call: it gets no answer, so it cannot err or take time.
        if (body.isPresent() && body.get().id() == null) return Optional.empty();
        String named = header.apply(NAME_HEADER);
        String name = named != null ? decodeHeader(named.strip()) : body.map(JsonRpc::params).map(ToolCalls::nameParam).orElse(null);
        String id = body.map(JsonRpc::id).orElse(null);
        return Optional.of(new Call(counted(name), id, id == null ? null : idKey(id)));
    }

    /** The name calls of {@code name} are counted under: itself, or {@link #OTHER} when it is not one Slipway keeps. */
    public static String counted(String name) {
        if (name == null || name.isEmpty() || name.length() > MAX_NAME) return OTHER;
        for (int i = 0; i < name.length(); i++) {
            if (Character.isISOControl(name.charAt(i))) return OTHER;
        }
        return name;
    }

    /**
     * A JSON-RPC id as one string that two writings of the same id share: {@code n:7} for a number, {@code s:a} for a
     * string; null for anything else.
     */
    public static String idKey(String rawId) {
        try (JsonParser parser = JSON.createParser(rawId)) {
            JsonToken token = parser.nextToken();
            return token == null ? null : idKey(token, parser.getText());
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** {@link #idKey(String)} of a scalar token already read, with its text. */
    static String idKey(JsonToken token, String text) {
        return switch (token) {
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "n:" + text;
            case VALUE_STRING -> "s:" + text;
            default -> null;
        };
    }

    /** SEP-2243: a value wrapped as {@code =?base64?…?=} is the Base64 (standard alphabet) of its UTF-8 bytes. */
    static String decodeHeader(String value) {
        if (!value.startsWith(BASE64_PREFIX) || !value.endsWith(BASE64_SUFFIX)
                || value.length() < BASE64_PREFIX.length() + BASE64_SUFFIX.length()) {
            return value;
        }
        String encoded = value.substring(BASE64_PREFIX.length(), value.length() - BASE64_SUFFIX.length());
        try {
            return new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static String nameParam(String params) {
        try (JsonParser parser = JSON.createParser(params)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) return null;
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                JsonToken value = parser.nextToken();
                if (field.equals("name")) return value == JsonToken.VALUE_STRING ? parser.getText() : null;
                parser.skipChildren();
            }
            return null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
