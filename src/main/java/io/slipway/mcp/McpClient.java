package io.slipway.mcp;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Slipway's own Streamable HTTP client to an app's MCP endpoint, as a client would talk to it: one JSON-RPC request per
 * POST, {@code Accept: application/json, text/event-stream}, the answer taken from a JSON body or from the SSE stream
 * (read until the response to the request has come, then closed: a server may keep the stream open). Blocking; for
 * virtual threads. What Slipway sends identifies itself as {@code slipway}.
 */
final class McpClient {
    static final String SESSION = "Mcp-Session-Id";
    static final String PROTOCOL_VERSION = "MCP-Protocol-Version";
    private static final long MAX_ANSWER = 1 << 20;

    private final HttpClient http;
    private final Duration timeout;

    McpClient(HttpClient http, Duration timeout) {
        this.http = http;
        this.timeout = timeout;
    }

    /**
     * What a POST got: its status, the response's JSON-RPC message (empty for none, or when the answer was not one: a
     * 202, HTML, a 404 page), its session id and content type.
     */
    record Answer(int status, String contentType, Optional<JsonRpc> message, String sessionId, String body) {
    }

    /** Sends {@code body} (one JSON-RPC message, with {@code id} when it is a request) to {@code path}. */
    Answer post(SocketAddress address, String path, String body, String id, String sessionId, String protocolVersion) {
        RequestOptions options = new RequestOptions().setServer(address).setMethod(HttpMethod.POST).setURI(path).setHost("localhost")
                .putHeader("Content-Type", "application/json").putHeader("Accept", "application/json, text/event-stream")
                .putHeader("User-Agent", "slipway").setTimeout(timeout.toMillis());
        if (sessionId != null) options.putHeader(SESSION, sessionId);
        if (protocolVersion != null) options.putHeader(PROTOCOL_VERSION, protocolVersion);
        CompletableFuture<Answer> answer = new CompletableFuture<>();
        java.util.concurrent.atomic.AtomicReference<io.vertx.core.http.HttpClientRequest> sent = new java.util.concurrent.atomic.AtomicReference<>();
        // The answer's handlers are set as its head arrives, on the event loop, before the request is even sent: this
        // runs on a virtual thread, which a busy machine may not schedule again before a short answer has ended (the
        // handler set then, after the end, would throw and the answer would never complete).
        http.request(options).compose(request -> {
            sent.set(request);
            request.response().onComplete(response -> {
                if (response.failed()) {
                    answer.completeExceptionally(response.cause());
                } else {
                    read(response.result(), id, answer);
                }
            });
            return request.end(Buffer.buffer(body));
        }).onFailure(answer::completeExceptionally);
        try {
            return await(answer, "POST " + path);
        } finally {
            // Whatever the app still sends (a stream it keeps open, a slow body past the timeout) is not read.
            var request = sent.get();
            if (request != null) request.reset();
        }
    }

    /** Ends a session, as a client that is done does; what the server answers does not matter. */
    void delete(SocketAddress address, String path, String sessionId, String protocolVersion) {
        RequestOptions options = new RequestOptions().setServer(address).setMethod(HttpMethod.DELETE).setURI(path).setHost("localhost")
                .putHeader(SESSION, sessionId).putHeader("User-Agent", "slipway").setTimeout(timeout.toMillis());
        if (protocolVersion != null) options.putHeader(PROTOCOL_VERSION, protocolVersion);
        CompletableFuture<Void> done = new CompletableFuture<>();
        java.util.concurrent.atomic.AtomicReference<io.vertx.core.http.HttpClientRequest> sent = new java.util.concurrent.atomic.AtomicReference<>();
        // Its status is all there is to know: the body is never read, and the request is reset once the status is in.
        http.request(options).compose(r -> {
            sent.set(r);
            return r.send();
        }).onComplete(r -> done.complete(null));
        try {
            done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // a server that does not end sessions keeps it until it forgets it
        } finally {
            var request = sent.get();
            if (request != null) request.reset();
        }
    }

    private static void read(HttpClientResponse response, String id, CompletableFuture<Answer> answer) {
        String type = response.getHeader("Content-Type") == null ? "" : response.getHeader("Content-Type");
        String session = response.getHeader(SESSION);
        boolean stream = type.startsWith("text/event-stream");
        // A JSON body is kept whole (1 MiB at most); an SSE body only from the first event not complete yet, searched from
        // where the last search ended: each chunk costs what it holds, however many events came before it.
        Buffer[] kept = {Buffer.buffer()};
        long[] read = {0};
        int[] searched = {0};
        response.handler(chunk -> {
            if (answer.isDone()) return;
            read[0] += chunk.length();
            if (read[0] > MAX_ANSWER) {
                answer.completeExceptionally(new IllegalStateException("the answer is over " + (MAX_ANSWER >> 20) + " MiB"));
                response.request().reset();
                return;
            }
            Buffer body = kept[0].appendBuffer(chunk);
            if (!stream || id == null) return;
            int end = lastEventEnd(body, Math.max(0, searched[0] - 3));
            searched[0] = body.length();
            if (end < 0) return;
            Optional<JsonRpc> message = responseIn(body.getString(0, end, "UTF-8"), id);
            kept[0] = body.getBuffer(end, body.length());
            searched[0] = kept[0].length();
            if (message.isPresent() && answer.complete(new Answer(response.statusCode(), type, message, session, ""))) {
                response.request().reset();
            }
        });
        response.exceptionHandler(answer::completeExceptionally);
        response.endHandler(v -> {
            String text = kept[0].toString();
            Optional<JsonRpc> message = stream ? responseIn(text, id)
                    : type.startsWith("application/json") ? JsonRpc.parse(text).filter(m -> answers(m, id)) : Optional.empty();
            answer.complete(new Answer(response.statusCode(), type, message, session, text));
        });
    }

    /** Where the last complete event in {@code body} ends (after its blank line), searching from {@code from}; -1 for none. */
    private static int lastEventEnd(Buffer body, int from) {
        int end = -1;
        for (int i = from; i + 1 < body.length(); i++) {
            if (body.getByte(i) == '\n' && body.getByte(i + 1) == '\n') end = i + 2;
            else if (i + 3 < body.length() && body.getByte(i) == '\r' && body.getByte(i + 1) == '\n' && body.getByte(i + 2) == '\r'
                    && body.getByte(i + 3) == '\n') end = i + 4;
        }
        return end;
    }

    /** The response to {@code id} among the events of an SSE body so far. */
    private static Optional<JsonRpc> responseIn(String body, String id) {
        return JsonRpc.eventData(body).stream().map(JsonRpc::parse).flatMap(Optional::stream).filter(m -> answers(m, id)).findFirst();
    }

    /** Whether {@code message} is the response to {@code id}: JSON that merely looks like an object (an app's own API) is not. */
    private static boolean answers(JsonRpc message, String id) {
        return id != null && message.method() == null && id.equals(message.id()) && (message.result() != null || message.error() != null);
    }

    private <T> T await(CompletableFuture<T> future, String what) {
        try {
            return future.get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new McpUnreachableException(what + " failed: " + e.getCause().getMessage());
        } catch (TimeoutException e) {
            throw new McpUnreachableException(what + " got no answer within " + timeout.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new McpUnreachableException(what + " was interrupted");
        }
    }

    /** The endpoint did not answer at all (refused, reset, silent). */
    static final class McpUnreachableException extends RuntimeException {
        McpUnreachableException(String message) {
            super(message);
        }
    }
}
