package io.slipway.proxy;

import io.slipway.app.App;
import io.slipway.instances.Instances;
import io.slipway.mcp.JsonRpc;
import io.slipway.mcp.McpAnswers;
import io.slipway.mcp.McpRecord;
import io.slipway.mcp.McpRecords;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.Optional;

/**
 * The MCP requests the proxy reads before they go on (DESIGN §4): a small JSON POST to a recognised MCP server's path
 * is read whole ({@link #candidate}), so that Slipway knows its JSON-RPC method; while the app sleeps, discovery is
 * answered from the app's {@link McpRecord} when {@link McpAnswers} can ({@code initialize}, {@code ping}, the lists),
 * without waking it. Anything else goes on to the app as any request does, its body as read. Requests to apps that are
 * no recognised MCP server, or that are not such a POST, pass untouched, at the cost of a map lookup or two.
 */
public final class McpRequests {
    /** The largest body read to see whether it is discovery: a JSON-RPC request, never a file. */
    static final long MAX_BODY = 64 * 1024;

    private final Instances instances;
    private final McpRecords records;
    private final io.slipway.mcp.McpSessions sessions;

    /** @param records null when Slipway takes no part in MCP exchanges (tests of the proxy alone) */
    public McpRequests(Instances instances, McpRecords records, io.slipway.mcp.McpSessions sessions) {
        this.instances = instances;
        this.records = records;
        this.sessions = sessions;
    }

    io.slipway.mcp.McpSessions sessions() {
        return sessions;
    }

    /**
     * The session Slipway holds that {@code incoming} names in {@code Mcp-Session-Id}, if it is for a recognised server
     * that gives sessions and is sent to its path: such a request goes through {@link McpForwarding#held}.
     */
    Optional<io.slipway.mcp.McpSessions.Session> held(HttpServerRequest incoming, ContainerPaths paths) {
        String id = incoming.getHeader(McpForwarding.SESSION);
        if (records == null || id == null) return Optional.empty();
        Optional<App> app = instances.app(paths.appId());
        if (app.isEmpty() || records.of(app.get()).filter(r -> r.sessions() && r.path().equals(ContainerPaths.withoutQuery(paths.forwardedUri()))).isEmpty()) {
            return Optional.empty();
        }
        return sessions.find(paths.appId(), id);
    }

    /** The record of the MCP server {@code incoming} is a small JSON POST to, if it is one: its body is then read whole. */
    Optional<McpRecord> candidate(HttpServerRequest incoming, ContainerPaths paths, long declared) {
        if (declared <= 0 || declared > MAX_BODY) return Optional.empty();
        String type = incoming.getHeader(HttpHeaders.CONTENT_TYPE);
        if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) return Optional.empty();
        return postedTo(incoming, paths);
    }

    /** The record of the recognised MCP server {@code incoming} is a POST to (at its MCP path), if it is one, whatever its body. */
    Optional<McpRecord> postedTo(HttpServerRequest incoming, ContainerPaths paths) {
        if (records == null || incoming.method() != HttpMethod.POST) return Optional.empty();
        Optional<App> app = instances.app(paths.appId());
        if (app.isEmpty()) return Optional.empty();
        return records.of(app.get()).filter(r -> r.path().equals(ContainerPaths.withoutQuery(paths.forwardedUri())));
    }

    /**
     * What to answer to {@code request} from {@code record} in the app's place, or empty when it goes to the app: only
     * while the app has no process (asleep, or not started since its deploy).
     */
    Optional<McpAnswers.Reply> answer(String appId, McpRecord record, Optional<JsonRpc> request, HttpServerRequest incoming, boolean inSession) {
        if (request.isEmpty() || instances.liveStatus(appId).isPresent()) return Optional.empty();
        return McpAnswers.whileAsleep(record, request.get(), incoming.getHeader("MCP-Protocol-Version"), inSession);
    }

    /** Whether the app has no process now (asleep, or not started since its deploy). */
    boolean asleep(String appId) {
        return instances.liveStatus(appId).isEmpty();
    }

    /** Sends {@code reply} as the app would have: JSON when the client takes it, else one SSE event. */
    static void send(HttpServerRequest incoming, McpAnswers.Reply reply) {
        HttpServerResponse response = incoming.response();
        switch (reply) {
            case McpAnswers.Reply.Accepted accepted -> response.setStatusCode(202).end();
            case McpAnswers.Reply.Response answer -> {
                String accept = incoming.getHeader(HttpHeaders.ACCEPT);
                if (accept != null && !accept.contains("application/json") && accept.contains("text/event-stream")) {
                    response.putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream").putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
                            .end("event: message\ndata: " + String.join("\ndata: ", answer.body().split("\r\n|\n|\r", -1)) + "\n\n");
                } else {
                    response.putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(answer.body());
                }
            }
        }
    }

}
