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
 * MCP discovery that does not wake an app (DESIGN §4): a small JSON POST to a sleeping MCP server's path is read
 * whole, and answered from the app's {@link McpRecord} when {@link McpAnswers} can ({@code initialize}, {@code ping},
 * the lists); anything else goes on to the app as any request does, its body as read. Requests to apps that run, that
 * are no recognised MCP server, or that are not such a POST pass untouched, at the cost of two map lookups.
 */
final class McpWhileAsleep {
    /** The largest body read to see whether it is discovery: a JSON-RPC request, never a file. */
    static final long MAX_BODY = 64 * 1024;

    private final Instances instances;
    private final McpRecords records;

    McpWhileAsleep(Instances instances, McpRecords records) {
        this.instances = instances;
        this.records = records;
    }

    /** The record to answer {@code incoming} from, if it may be discovery sent to a sleeping MCP server. */
    Optional<McpRecord> candidate(HttpServerRequest incoming, ContainerPaths paths, long declared) {
        if (records == null || incoming.method() != HttpMethod.POST || declared <= 0 || declared > MAX_BODY) return Optional.empty();
        Optional<App> app = instances.app(paths.appId());
        if (app.isEmpty() || instances.liveStatus(paths.appId()).isPresent()) return Optional.empty();
        String type = incoming.getHeader(HttpHeaders.CONTENT_TYPE);
        if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) return Optional.empty();
        return records.of(app.get()).filter(r -> r.path().equals(pathOf(paths.forwardedUri())));
    }

    /** What to answer to {@code body} from {@code record}, or empty when it goes to the app. */
    static Optional<McpAnswers.Reply> answer(McpRecord record, Buffer body, HttpServerRequest incoming) {
        return JsonRpc.parse(body.toString()).flatMap(request -> McpAnswers.whileAsleep(record, request, incoming.getHeader("MCP-Protocol-Version")));
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
                            .end("event: message\ndata: " + answer.body() + "\n\n");
                } else {
                    response.putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(answer.body());
                }
            }
        }
    }

    private static String pathOf(String uri) {
        int query = uri.indexOf('?');
        return query < 0 ? uri : uri.substring(0, query);
    }
}
