package io.slipway.mcp;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Asks a freshly started app what an MCP client would, at its MCP path: {@code initialize} (for each protocol revision
 * Slipway knows, so that a client asking for any of them can be answered), {@code notifications/initialized}, then
 * every page of {@code tools/list}, {@code prompts/list} and {@code resources/list} that its capabilities offer, and
 * ends the sessions it opened. The app is then an MCP server ({@link Outcome.Recognised}), not one (nothing there
 * answers MCP: {@link Outcome.NotMcp}), or one that answers badly ({@link Outcome.Invalid}: an error, a result without
 * what the specification requires, a tool without a name or an object {@code inputSchema}, lists past {@value
 * #MAX_RECORD} bytes or {@link #DEADLINE}). Each answer is at most 1 MiB and 5 s. Blocking.
 */
final class McpDiscovery {
    /** The revisions asked for, newest first; a client asking for another one wakes the app. */
    static final List<String> PROTOCOL_VERSIONS = List.of("2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05");
    private static final int MAX_PAGES = 50;
    /** All of a record: what a sleeping app's discovery is answered from, kept in memory and in the store. */
    static final int MAX_RECORD = 1 << 20;
    /** The whole discovery, however many pages: a deploy waits for it. */
    static final java.time.Duration DEADLINE = java.time.Duration.ofSeconds(20);
    private static final Map<String, String> LIST_OF = Map.of("tools/list", "tools", "prompts/list", "prompts", "resources/list", "resources");

    sealed interface Outcome {
        record Recognised(McpRecord record) implements Outcome { }

        record NotMcp(String why) implements Outcome { }

        record Invalid(String why) implements Outcome { }
    }

    private final McpClient client;
    private final long deadline = System.nanoTime() + DEADLINE.toNanos();
    private int nextId;
    private long recorded;

    McpDiscovery(McpClient client) {
        this.client = client;
    }

    Outcome discover(SocketAddress address, String path) {
        McpClient.Answer first;
        try {
            first = client.post(address, path, initialize(PROTOCOL_VERSIONS.getFirst()), String.valueOf(nextId), null, null);
        } catch (McpClient.McpUnreachableException e) {
            return new Outcome.NotMcp(e.getMessage());
        }
        if (first.message().isEmpty()) {
            return new Outcome.NotMcp("POST " + path + " answered " + first.status() + (first.contentType().isEmpty() ? "" : " (" + first.contentType() + ")")
                    + ", not a JSON-RPC response");
        }
        JsonRpc init = first.message().get();
        if (init.error() != null) return new Outcome.Invalid("its initialize answered an error: " + init.error());
        Optional<String> wrong = checkInitialize(init.result());
        if (wrong.isPresent()) return new Outcome.Invalid("its initialize result " + wrong.get());
        JsonObject result = new JsonObject(init.result());
        String negotiated = result.getString("protocolVersion");
        String session = first.sessionId();
        Map<String, String> initialize = new LinkedHashMap<>();
        initialize.put(PROTOCOL_VERSIONS.getFirst(), init.result());
        recorded = init.result().length();
        Map<String, Map<String, String>> lists = new LinkedHashMap<>();
        try {
            client.post(address, path, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}", null, session, negotiated);
            JsonObject capabilities = result.getJsonObject("capabilities");
            for (String method : McpRecord.LISTS) {
                if (!capabilities.containsKey(LIST_OF.get(method))) continue;
                Map<String, String> pages = new LinkedHashMap<>();
                Optional<String> bad = listAll(address, path, method, session, negotiated, pages);
                if (bad.isPresent()) return new Outcome.Invalid(bad.get());
                lists.put(method, pages);
            }
        } catch (McpClient.McpUnreachableException e) {
            return new Outcome.Invalid("it stopped answering after its initialize: " + e.getMessage());
        } finally {
            if (session != null) client.delete(address, path, session, negotiated);
        }
        for (String version : PROTOCOL_VERSIONS.subList(1, PROTOCOL_VERSIONS.size())) {
            other(address, path, version).filter(r -> recorded + r.length() <= MAX_RECORD).ifPresent(r -> {
                recorded += r.length();
                initialize.put(version, r);
            });
        }
        return new Outcome.Recognised(new McpRecord(path, Instant.now(), session != null, initialize, lists));
    }

    /** Every page of a list method, by cursor; what was wrong with one, if anything. */
    private Optional<String> listAll(SocketAddress address, String path, String method, String session, String protocol, Map<String, String> pages) {
        String cursor = "";
        for (int page = 0; page < MAX_PAGES; page++) {
            String params = cursor.isEmpty() ? "{}" : new JsonObject().put("cursor", cursor).encode();
            McpClient.Answer answer = client.post(address, path, "{\"jsonrpc\":\"2.0\",\"id\":" + id() + ",\"method\":\"" + method + "\",\"params\":" + params + "}",
                    String.valueOf(nextId), session, protocol);
            if (answer.message().isEmpty() || answer.message().get().result() == null) {
                return Optional.of("its " + method + " answered " + answer.status() + " " + answer.message().map(JsonRpc::error).orElse(abbreviate(answer.body())));
            }
            String raw = answer.message().get().result();
            JsonObject result;
            try {
                result = new JsonObject(raw);
            } catch (RuntimeException e) {
                return Optional.of("its " + method + " result is not a JSON object");
            }
            if (!(result.getValue(LIST_OF.get(method)) instanceof JsonArray items)) {
                return Optional.of("its " + method + " result has no " + LIST_OF.get(method) + " array");
            }
            if (method.equals("tools/list")) {
                Optional<String> bad = checkTools(items);
                if (bad.isPresent()) return bad;
            }
            recorded += raw.length();
            if (recorded > MAX_RECORD) return Optional.of("its lists take more than " + (MAX_RECORD >> 10) + " KiB, more than Slipway keeps");
            if (System.nanoTime() > deadline) return Optional.of("its lists took more than " + DEADLINE.toSeconds() + " s to answer");
            pages.put(cursor, raw);
            if (!(result.getValue("nextCursor") instanceof String next) || next.isEmpty() || pages.containsKey(next)) return Optional.empty();
            cursor = next;
        }
        return Optional.empty();
    }

    /** The {@code initialize} result for an older revision, when the app gives one; its session is ended at once. */
    private Optional<String> other(SocketAddress address, String path, String version) {
        if (System.nanoTime() > deadline || recorded > MAX_RECORD) return Optional.empty();
        try {
            McpClient.Answer answer = client.post(address, path, initialize(version), String.valueOf(nextId), null, null);
            if (answer.sessionId() != null) client.delete(address, path, answer.sessionId(), version);
            return answer.message().map(JsonRpc::result).filter(r -> checkInitialize(r).isEmpty());
        } catch (McpClient.McpUnreachableException e) {
            return Optional.empty();
        }
    }

    static Optional<String> checkInitialize(String raw) {
        JsonObject result;
        try {
            result = new JsonObject(raw);
        } catch (RuntimeException e) {
            return Optional.of("is not a JSON object");
        }
        if (!(result.getValue("protocolVersion") instanceof String)) return Optional.of("has no protocolVersion");
        if (!(result.getValue("capabilities") instanceof JsonObject)) return Optional.of("has no capabilities object");
        if (!(result.getValue("serverInfo") instanceof JsonObject info) || !(info.getValue("name") instanceof String)) {
            return Optional.of("has no serverInfo with a name");
        }
        return Optional.empty();
    }

    static Optional<String> checkTools(JsonArray tools) {
        for (Object item : tools) {
            if (!(item instanceof JsonObject tool) || !(tool.getValue("name") instanceof String name) || name.isBlank()) {
                return Optional.of("its tools/list has a tool without a name: " + abbreviate(String.valueOf(item)));
            }
            if (!(tool.getValue("inputSchema") instanceof JsonObject schema) || !"object".equals(schema.getValue("type"))) {
                return Optional.of("its tool '" + name + "' has no inputSchema of type object, which MCP requires");
            }
        }
        return Optional.empty();
    }

    private String initialize(String version) {
        return "{\"jsonrpc\":\"2.0\",\"id\":" + id() + ",\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"" + version
                + "\",\"capabilities\":{},\"clientInfo\":{\"name\":\"slipway\",\"version\":\"1\"}}}";
    }

    private String id() {
        return String.valueOf(++nextId);
    }

    private static String abbreviate(String text) {
        return text.length() <= 200 ? text : text.substring(0, 200) + "…";
    }
}
