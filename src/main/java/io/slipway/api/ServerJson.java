package io.slipway.api;

import io.slipway.app.App;
import io.slipway.app.AppStatus;
import io.slipway.config.Durations;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** The server JSON of DESIGN §2. Environment values are never echoed: they may be secrets. */
final class ServerJson {
    private ServerJson() {
    }

    /**
     * @param endpoint where the app is reached ({@link io.slipway.proxy.Endpoints})
     * @param usage    this month's metered use of the app, or null when it has none yet
     * @param mcp      what MCP discovery recorded of a recognised MCP server ({@code io.slipway.mcp.McpRecord#summary}), or null
     * @param version  the number of the version serving
     */
    static JsonObject of(App app, String endpoint, io.slipway.metering.UsageStore.Row usage,
                         java.util.Map<String, io.slipway.metering.ToolStats> tools, JsonObject mcp, int version) {
        JsonObject json = new JsonObject()
                .put("id", app.id())
                .put("name", app.name())
                .put("runtime", app.language().id())
                .put("endpoint", endpoint)
                .put("status", app.status().id())
                .put("createdAt", app.createdAt().toString())
                .put("updatedAt", app.updatedAt().toString())
                .put("lastActiveAt", app.lastActiveAt() == null ? null : app.lastActiveAt().toString())
                .put("sleepAfter", Durations.format(app.sleepAfter()))
                .put("requirements", new JsonArray(app.requirements()))
                .put("entry", app.entryFile())
                .put("envKeys", new JsonArray(app.env().keySet().stream().sorted().toList()))
                .put("internet", app.internet())
                .put("private", app.isPrivate())
                .put("healthPath", app.healthPath())
                .put("transport", app.transport().id())
                .put("plan", app.plan())
                .put("version", version)
                .put("usage", usage(usage, tools));
        json.put("alwaysOn", app.alwaysOn()).put("requestTimeout", app.requestTimeoutIfAny().map(Durations::format).orElse(null));
        if (app.status() == AppStatus.FAILED && app.error() != null) json.put("error", app.error());
        if (mcp != null) json.put("mcp", mcp);
        return json;
    }

    /**
     * Metered use in a month: active seconds (10 ms resolution), requests, bytes in and out, and an MCP server's
     * {@code tools}: {@code {"<tool>":{"calls","errors","millis"}}} (empty for an app with no tool calls).
     */
    static JsonObject usage(io.slipway.metering.UsageStore.Row row, java.util.Map<String, io.slipway.metering.ToolStats> tools) {
        JsonObject byTool = new JsonObject();
        if (tools != null) {
            new java.util.TreeMap<>(tools).forEach((tool, stats) -> byTool.put(tool, new JsonObject().put("calls", stats.calls())
                    .put("errors", stats.errors()).put("millis", stats.millis())));
        }
        return new JsonObject().put("activeSeconds", row == null ? 0.0 : row.activeSeconds()).put("requests", row == null ? 0 : row.requests())
                .put("bytesIn", row == null ? 0 : row.bytesIn()).put("bytesOut", row == null ? 0 : row.bytesOut()).put("tools", byTool);
    }
}
