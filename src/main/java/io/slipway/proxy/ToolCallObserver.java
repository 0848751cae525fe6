package io.slipway.proxy;

import io.slipway.app.App;
import io.slipway.config.Plan;
import io.slipway.http.Problem;
import io.slipway.instances.Lease;
import io.slipway.mcp.JsonRpc;
import io.slipway.mcp.McpAnswers;
import io.slipway.mcp.ResponseScanner;
import io.slipway.mcp.ToolCalls;
import io.slipway.metering.ToolMeter;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Optional;

/**
 * One MCP tool call on its way through the proxy ({@link ToolCalls}): admitted under the plan's monthly cap
 * ({@code toolCallsPerMonth}), past which it is answered a JSON-RPC error with 429 before anything wakes the app, and
 * counted ({@link ToolMeter}) once admitted; then watched as its answer is relayed, chunk by chunk and without holding
 * any back, for the JSON-RPC response to its id ({@link ResponseScanner}). The call erred when the answer's status is no
 * 2xx, the response has {@code error} or {@code result.isError}, or the answer ended with no response in it; its time
 * runs from the request sent to the app to its response seen. An answer too long to scan ({@link #MAX_SCANNED}) is
 * counted as no error. Runs on the request's event loop; not thread-safe.
 */
final class ToolCallObserver {
    /** The most of an answer scanned for the call's response: far above any tool's result, bounded for an endless stream. */
    static final long MAX_SCANNED = 8L << 20;
    static final String SLUG = "tool-calls-exceeded";

    private final ToolMeter meter;
    private final String appId;
    private final String owner;
    private final Plan plan;
    private final ToolCalls.Call call;
    private String counted;
    private long sentAt;
    private ResponseScanner scanner;
    private boolean scanning = true;
    private boolean finished;
    private HttpServerResponse toClient;

    ToolCallObserver(ToolMeter meter, String appId, String owner, Plan plan, ToolCalls.Call call) {
        this.meter = meter;
        this.appId = appId;
        this.owner = owner;
        this.plan = plan;
        this.call = call;
    }

    /** The observer of {@code incoming} when it is a tool call to {@code app}, or null. */
    static ToolCallObserver of(ToolMeter meter, App app, Plan plan, HttpServerRequest incoming, Optional<JsonRpc> message) {
        return ToolCalls.recognise(incoming::getHeader, message).map(call -> new ToolCallObserver(meter, app.id(), app.owner(), plan, call))
                .orElse(null);
    }

    /**
     * Admission of the call: the proxy's checks (access, budget, rate), then the plan's cap on tool calls, then a lease on
     * the app, which wakes it. Fails with {@link Refused} past the cap ({@link #answered} sends its answer), else as
     * admission does.
     */
    Future<Lease> admit(ContainerProxy proxy, ContainerPaths paths, MultiMap headers, long declared, HttpServerResponse response) {
        return proxy.check(paths, headers, declared).compose(v -> {
            if (!count()) return Future.failedFuture(new Refused(call, plan, meter.untilNextMonth()));
            watch(response);
            return proxy.lease(paths.appId()).onSuccess(lease -> sentAt = System.nanoTime());
        });
    }

    /** Counts the call under the plan's cap; false, counting nothing, past it. */
    boolean count() {
        counted = meter.call(appId, owner, call.tool(), plan.toolCallsPerMonth());
        return counted != null;
    }

    /** From now on the call's answer to the client is watched: its chunks ({@link #relayed}) and its end. */
    void watch(HttpServerResponse response) {
        toClient = response;
        sentAt = System.nanoTime();
        // Slipway's own answer (a start that failed, a lost connection) ends the call too, as an error.
        response.bodyEndHandler(end -> answerEnded());
    }

    /** A chunk of the app's answer, on its way to the client. */
    void relayed(Buffer chunk) {
        if (finished || !scanning) return;
        if (scanner == null) {
            String type = toClient.headers().get(HttpHeaders.CONTENT_TYPE);
            boolean success = toClient.getStatusCode() / 100 == 2;
            scanning = success && type != null && (type.startsWith("text/event-stream") || type.contains("json"));
            if (!scanning) return;
            scanner = new ResponseScanner(call.idKey(), type.startsWith("text/event-stream"), MAX_SCANNED);
        }
        if (scanner.state() != ResponseScanner.State.LOOKING) return; // given up: the rest passes unlooked at
        ResponseScanner.State state = scanner.feed(chunk.getBytes());
        if (state == ResponseScanner.State.ANSWERED || state == ResponseScanner.State.FAILED) {
            finish(state == ResponseScanner.State.FAILED);
        }
    }

    private void answerEnded() {
        if (finished) return;
        boolean success = toClient.getStatusCode() / 100 == 2;
        finish(!success || scanner == null || scanner.state() != ResponseScanner.State.GAVE_UP);
    }

    private void finish(boolean error) {
        finished = true;
        meter.finished(appId, counted, error, System.nanoTime() - sentAt);
    }

    /**
     * Answers {@code incoming} when admission failed because the plan's tool calls are used up: HTTP 429 with a
     * JSON-RPC error to the call's id, {@code Retry-After} and {@code X-Slipway-Error}, as JSON or one SSE event as the
     * client accepts. Returns false, having sent nothing, for any other failure.
     */
    static boolean answered(HttpServerRequest incoming, Throwable failure) {
        if (!(failure instanceof Refused refused)) return false;
        HttpServerResponse response = incoming.response();
        response.setStatusCode(429).putHeader(Problem.ERROR_HEADER, SLUG)
                .putHeader("Retry-After", Long.toString(Math.max(1, refused.retryAfter.toSeconds())));
        McpRequests.send(incoming, new McpAnswers.Reply.Response(refused.body()));
        incoming.resume();
        return true;
    }

    /** Admission's failure past the cap. */
    static final class Refused extends RuntimeException {
        private final ToolCalls.Call call;
        private final Plan plan;
        private final Duration retryAfter;

        Refused(ToolCalls.Call call, Plan plan, Duration retryAfter) {
            super("tool calls exceeded", null, false, false);
            this.call = call;
            this.plan = plan;
            this.retryAfter = retryAfter;
        }

        /** The JSON-RPC error: -32000, the first of the codes JSON-RPC 2.0 leaves to servers. */
        String body() {
            String message = "the owner of this MCP server has made this month's " + plan.toolCallsPerMonth() + " tool calls of the "
                    + plan.name() + " plan; tool calls are refused until the first of next month (UTC)";
            JsonObject error = new JsonObject().put("code", -32000).put("message", message).put("data", new JsonObject()
                    .put("slug", SLUG).put("plan", plan.name()).put("toolCallsPerMonth", plan.toolCallsPerMonth())
                    .put("retryAfterSeconds", Math.max(1, retryAfter.toSeconds())));
            return "{\"jsonrpc\":\"2.0\",\"id\":" + (call.id() == null ? "null" : call.id()) + ",\"error\":" + error.encode() + "}";
        }
    }
}
