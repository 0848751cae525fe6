package io.slipway.mcp;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What one version of an app answered to Slipway's MCP discovery, kept to answer clients while the app sleeps: the
 * {@code initialize} result for each protocol version asked, and each page of {@code tools/list}, {@code prompts/list}
 * and {@code resources/list} by cursor ({@code ""} for the first), every result as the app wrote it. {@code sessions}:
 * whether the server gave its client a session ({@code Mcp-Session-Id}), which a replayed {@code initialize} must then
 * give too.
 */
public record McpRecord(String path, Instant checkedAt, boolean sessions, Map<String, String> initialize,
                        Map<String, Map<String, String>> lists) {
    /** The methods answered from the record while the app sleeps, besides {@code initialize}. */
    public static final java.util.List<String> LISTS = java.util.List.of("tools/list", "prompts/list", "resources/list");

    public McpRecord {
        initialize = Map.copyOf(initialize);
        Map<String, Map<String, String>> copy = new TreeMap<>();
        lists.forEach((method, pages) -> copy.put(method, Map.copyOf(pages)));
        lists = Map.copyOf(copy);
    }

    /** The recorded {@code initialize} result for a client asking for {@code protocolVersion}, if that was asked. */
    public Optional<String> initializeFor(String protocolVersion) {
        return Optional.ofNullable(initialize.get(protocolVersion));
    }

    /** The recorded result of a list method for {@code cursor} ({@code ""}: the first page). */
    public Optional<String> page(String method, String cursor) {
        return Optional.ofNullable(lists.getOrDefault(method, Map.of()).get(cursor == null ? "" : cursor));
    }

    /** The server JSON's {@code mcp}: path, protocol version, server info, tools (name, description), when checked. */
    public JsonObject summary(String latestProtocol) {
        JsonObject init = new JsonObject(initialize.getOrDefault(latestProtocol, initialize.values().stream().findFirst().orElse("{}")));
        JsonArray tools = new JsonArray();
        lists.getOrDefault("tools/list", Map.of()).values().forEach(page -> {
            JsonArray onPage = new JsonObject(page).getJsonArray("tools", new JsonArray());
            onPage.stream().map(JsonObject.class::cast).forEach(tool -> {
                JsonObject entry = new JsonObject().put("name", tool.getString("name"));
                if (tool.getValue("description") instanceof String description) entry.put("description", description);
                tools.add(entry);
            });
        });
        JsonObject info = init.getJsonObject("serverInfo", new JsonObject());
        return new JsonObject().put("path", path).put("protocolVersion", init.getString("protocolVersion"))
                .put("serverInfo", new JsonObject().put("name", info.getString("name")).put("version", info.getString("version")))
                .put("tools", tools).put("checkedAt", checkedAt.toString());
    }

    JsonObject toJson() {
        JsonObject pages = new JsonObject();
        lists.forEach((method, byCursor) -> pages.put(method, new JsonObject(Map.copyOf(byCursor))));
        return new JsonObject().put("path", path).put("checkedAt", checkedAt.toString()).put("sessions", sessions)
                .put("initialize", new JsonObject(Map.copyOf(initialize))).put("lists", pages);
    }

    static McpRecord fromJson(JsonObject json) {
        Map<String, String> initialize = new TreeMap<>();
        json.getJsonObject("initialize").forEach(e -> initialize.put(e.getKey(), (String) e.getValue()));
        Map<String, Map<String, String>> lists = new TreeMap<>();
        json.getJsonObject("lists").forEach(e -> {
            Map<String, String> pages = new TreeMap<>();
            ((JsonObject) e.getValue()).forEach(p -> pages.put(p.getKey(), (String) p.getValue()));
            lists.put(e.getKey(), pages);
        });
        return new McpRecord(json.getString("path"), Instant.parse(json.getString("checkedAt")), json.getBoolean("sessions"), initialize, lists);
    }
}
