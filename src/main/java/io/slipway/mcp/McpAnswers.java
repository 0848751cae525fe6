package io.slipway.mcp;

import io.vertx.core.json.JsonObject;
import java.util.Optional;

/**
 * What Slipway answers, from an app's {@link McpRecord}, to an MCP request that arrives while the app sleeps, so that
 * discovery does not wake it: {@code initialize} (for a protocol revision the record holds), {@code
 * notifications/initialized}, {@code ping}, and each page of {@code tools/list}, {@code prompts/list} and {@code
 * resources/list} (for the revision the record's lists were made under). Anything else, or anything the record cannot
 * answer as the app would have, is empty: the request wakes the app and goes to it. For a server that gives sessions,
 * an {@code initialize} outside a session opens one of Slipway's ({@link McpSessions}), and the rest is answered only
 * within a session Slipway holds.
 */
public final class McpAnswers {
    /** The revision a request without {@code MCP-Protocol-Version} is under (the specification's default). */
    static final String DEFAULT_PROTOCOL = "2025-03-26";

    private McpAnswers() {
    }

    /** An answer: a JSON-RPC response (its body), or {@code 202 Accepted} for a notification. */
    public sealed interface Reply {
        record Response(String body) implements Reply { }

        record Accepted() implements Reply { }
    }

    /**
     * @param protocolHeader the request's {@code MCP-Protocol-Version}, or null
     * @param inSession      whether the request names a session Slipway holds for the app
     */
    public static Optional<Reply> whileAsleep(McpRecord record, JsonRpc request, String protocolHeader, boolean inSession) {
        if (request.method() == null) return Optional.empty();
        if (record.sessions() && inSession == request.method().equals("initialize")) return Optional.empty();
        String id = request.id();
        return switch (request.method()) {
            case "notifications/initialized" -> id == null ? Optional.of(new Reply.Accepted()) : Optional.empty();
            case "ping" -> id == null ? Optional.empty() : Optional.of(new Reply.Response(JsonRpc.response(id, "{}")));
            case "initialize" -> id == null ? Optional.empty()
                    : param(request, "protocolVersion").flatMap(record::initializeFor).map(r -> new Reply.Response(JsonRpc.response(id, r)));
            case "tools/list", "prompts/list", "resources/list" -> {
                String under = protocolHeader == null ? DEFAULT_PROTOCOL : protocolHeader;
                if (id == null || !under.equals(negotiated(record))) yield Optional.empty();
                yield record.page(request.method(), param(request, "cursor").orElse("")).map(r -> new Reply.Response(JsonRpc.response(id, r)));
            }
            default -> Optional.empty();
        };
    }

    /** The revision the record's lists were asked under: what the app answered to the newest revision. */
    static String negotiated(McpRecord record) {
        return record.initializeFor(McpDiscovery.PROTOCOL_VERSIONS.getFirst())
                .map(r -> new JsonObject(r).getString("protocolVersion")).orElse("");
    }

    private static Optional<String> param(JsonRpc request, String name) {
        if (request.params() == null) return Optional.empty();
        try {
            return new JsonObject(request.params()).getValue(name) instanceof String value ? Optional.of(value) : Optional.empty();
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }
}
