package io.slipway.proxy;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.slipway.http.Problem;
import io.slipway.instances.Lease;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.streams.Pipe;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Forwards one ordinary HTTP exchange (no upgrade) to an app, on the event loop that received it: the proxy's hot path.
 * Each header set is copied once, each way, leaving out the hop-by-hop headers; both bodies stream with back-pressure
 * and are metered as they pass. Nothing else happens per request: no cache bookkeeping, no date parsing, no interceptor
 * chain.
 *
 * <p>An answer the app began is relayed as it comes. When either side fails midway, the other is reset rather than
 * ended: a truncated body must not look complete to the client.
 */
final class HttpForwarder {
    /** {@link #lost}: no connection to the app was had, so the request cannot have reached it. */
    private static final long NOT_SENT = Long.MIN_VALUE;
    /** {@link #lost}: the request's body went to the app as it streamed, so the request cannot be sent again. */
    private static final long BODY_SENT = Long.MAX_VALUE;
    /** How long a request whose connection failed waits to learn that its app has gone, before Slipway answers 502. */
    private static final long GONE_WAIT_MILLIS = 1000;
    private static final Logger LOG = LoggerFactory.getLogger(HttpForwarder.class);

    private final HttpClient client;
    private final ContainerProxy proxy;
    private final long maxBodyBytes;
    private final McpForwarding mcpForwarding;

    HttpForwarder(HttpClient client, ContainerProxy proxy, long maxBodyBytes) {
        this.client = client;
        this.proxy = proxy;
        this.maxBodyBytes = maxBodyBytes;
        this.mcpForwarding = new McpForwarding(this, proxy, client);
    }

    void forward(HttpServerRequest incoming, ContainerPaths paths) {
        // Held while Slipway decides and the app wakes: the body is forwarded, not lost.
        incoming.pause();
        MultiMap headers = HttpHeaders.headers();
        HopByHop.copyEndToEnd(incoming.headers(), headers);
        // Between replicas only (ReplicaRelay): the app is not told which replica relayed its request.
        headers.remove(io.slipway.cluster.Replica.RELAYED_BY);
        proxy.forwardedHeaders(headers, incoming, paths);
        long declared = declaredLength(incoming);
        var mcp = proxy.mcpRequests().candidate(incoming, paths, declared);
        if (mcp.isPresent()) {
            mcpForwarding.post(incoming, paths, headers, declared, mcp.get());
            return;
        }
        var held = proxy.mcpRequests().held(incoming, paths);
        if (held.isPresent()) {
            mcpForwarding.held(incoming, paths, headers, declared, held.get());
            return;
        }
        ToolCallObserver call = proxy.toolCallByHeaders(incoming, paths);
        Future<Lease> admission = call != null ? call.admit(proxy, paths, headers, declared, incoming.response()) : proxy.admit(paths, headers, declared);
        admission.onComplete(admitted -> {
            if (admitted.failed()) {
                if (!ToolCallObserver.answered(incoming, admitted.cause())) answer(incoming, ContainerProxy.problemFor(admitted.cause()));
            } else {
                send(incoming, paths, headers, declared, admitted.result(), false, null, null, call);
            }
        });
    }

    /**
     * @param declared   the request's Content-Length, or -1 when it declares none
     * @param retried    whether this is the request's second try, after the app it was leased to had gone
     * @param buffered   the request's body when it was read already ({@link McpForwarding}), else null: it streams from {@code incoming}
     * @param sessionOut what the client is told for the {@code Mcp-Session-Id} the app answers with (Slipway's own id
     *                   for it, {@link McpForwarding}), or null to pass it as it is
     * @param call       the tool call the request is, watched as its answer is relayed ({@link ToolCallObserver}), or null
     */
    void send(HttpServerRequest incoming, ContainerPaths paths, MultiMap headers, long declared, Lease lease, boolean retried,
              Buffer buffered, java.util.function.UnaryOperator<String> sessionOut, ToolCallObserver call) {
        HttpServerResponse toClient = incoming.response();
        // A client that hangs up cancels its request to the app, which stops working for nobody; the request exists once
        // a connection to the app is had.
        AtomicReference<HttpClientRequest> sent = new AtomicReference<>();
        ContainerProxy.releaseWhenDone(lease, toClient, () -> {
            HttpClientRequest toApp = sent.get();
            if (toApp != null) toApp.reset();
        });
        RequestOptions options = new RequestOptions().setServer(ContainerProxy.origin(lease)).setMethod(incoming.method())
                .setURI(paths.forwardedUri()).setHeaders(headers);
        client.request(options).onComplete(created -> {
            if (created.failed()) {
                lost(incoming, paths, headers, declared, lease, retried, NOT_SENT, buffered, sessionOut, call);
                return;
            }
            long sentAt = System.nanoTime();
            HttpClientRequest toApp = created.result();
            sent.set(toApp);
            if (toClient.closed()) {
                toApp.reset();
                return;
            }
            // Reset by Slipway when the app is seen dead: what it sent on this connection so far is all there will be.
            boolean[] resetAtExit = {false};
            Context eventLoop = Vertx.currentContext();
            lease.onGone(() -> eventLoop.runOnContext(v -> {
                resetAtExit[0] = true;
                toApp.reset();
            }));
            // The app sees the Host the client asked for; apps answer 400 to a request without one.
            toApp.authority(incoming.authority() != null ? incoming.authority() : ContainerProxy.LOCALHOST);
            if (!headers.contains(HttpHeaders.CONTENT_LENGTH) && mayHaveUndeclaredBody(incoming)) toApp.setChunked(true);
            boolean bodiless = hasNoBody(incoming, declared);
            RequestDeadline deadline = RequestDeadline.start(eventLoop.owner(), proxy.requestTimeout(paths.appId()), incoming, toApp);
            toApp.response().onComplete(answered -> {
                if (deadline != null) deadline.answered();
                if (deadline != null && deadline.expired()) {
                    if (answered.succeeded()) toApp.reset();
                    return;
                }
                if (answered.failed()) {
                    // Reset at the app's exit with no word from the app (no answer, no close, no reset): it never reacted
                    // to the request, as one killed before the request reached it.
                    long reached = !bodiless ? BODY_SENT : resetAtExit[0] ? NOT_SENT : sentAt;
                    lost(incoming, paths, headers, declared, lease, retried, reached, buffered, sessionOut, call);
                } else {
                    relay(incoming, answered.result(), toApp, lease, sessionOut, call);
                }
            });
            if (bodiless) {
                // Most requests (GET, HEAD, DELETE): nothing to stream, so no pipe; the end is what is held paused (or,
                // on a second try, what has already come).
                if (incoming.isEnded()) {
                    toApp.end();
                } else {
                    incoming.endHandler(v -> toApp.end());
                    incoming.resume();
                }
                return;
            }
            if (buffered != null) {
                lease.received(buffered.length());
                toApp.end(buffered);
                return;
            }
            // Counted as it streams: every chunk renews the app's activity, and a chunked body that outgrows the limit
            // has its connection cut, mid-request.
            Pipe<Buffer> body = new MeteredBody(incoming, maxBodyBytes, () -> incoming.connection().close(), lease::received).pipe();
            body.endOnFailure(false);
            body.to(toApp).onFailure(e -> toApp.reset());
        });
    }

    /**
     * The connection to the app failed before any byte of its answer. When the app had gone — it had exited, or was
     * being put to sleep — and the request did not reach it while it ran, the request waits for the app's next start
     * and is sent once more (DESIGN §3: the next request restarts a crashed app). Otherwise, as when the request's body
     * has streamed to the app, Slipway answers 502: a request the app may have worked on is never sent twice.
     *
     * @param sentAt when the request went to the app ({@link System#nanoTime()}), {@link #NOT_SENT} when it cannot have
     *               reached the app (no connection was had, or the app never reacted to it before it was seen dead), or
     *               {@link #BODY_SENT} when its body was streamed, which cannot be sent again
     */
    private void lost(HttpServerRequest incoming, ContainerPaths paths, MultiMap headers, long declared, Lease lease, boolean retried,
                      long sentAt, Buffer buffered, java.util.function.UnaryOperator<String> sessionOut, ToolCallObserver call) {
        if (retried || sentAt == BODY_SENT || incoming.response().closed()) {
            answer(incoming, ContainerProxy.APP_CONNECTION_LOST);
            return;
        }
        Context eventLoop = Vertx.currentContext();
        Future.fromCompletionStage(lease.gone().toCompletableFuture().orTimeout(GONE_WAIT_MILLIS, TimeUnit.MILLISECONDS), eventLoop)
                .onComplete(gone -> {
                    // Seen gone after the request went to it: the app was alive when it got the request, and may have acted on it.
                    if (gone.failed() || (sentAt != NOT_SENT && gone.result() > sentAt)) {
                        answer(incoming, ContainerProxy.APP_CONNECTION_LOST);
                        return;
                    }
                    LOG.info("app {} had gone when a request reached for it ({}); the request waits for its next start",
                            paths.appId(), sentAt == NOT_SENT ? "no connection" : "its connection closed before an answer");
                    lease.release();
                    proxy.lease(paths.appId()).onComplete(next -> {
                        if (next.failed()) {
                            answer(incoming, ContainerProxy.problemFor(next.cause()));
                        } else {
                            send(incoming, paths, headers, declared, next.result(), true, buffered, sessionOut, call);
                        }
                    });
                });
    }

    /** The app's answer, on to the client as it comes. */
    private static void relay(HttpServerRequest incoming, HttpClientResponse fromApp, HttpClientRequest toApp, Lease lease,
                              java.util.function.UnaryOperator<String> sessionOut, ToolCallObserver call) {
        fromApp.pause();
        lease.answered();
        HttpServerResponse toClient = incoming.response();
        if (toClient.closed()) {
            toApp.reset();
            return;
        }
        int status = fromApp.statusCode();
        toClient.setStatusCode(status);
        String reason = fromApp.statusMessage();
        // The app's own reason phrase passes; a standard one is left to the server, which has it ready-made.
        if (reason != null && !reason.equals(HttpResponseStatus.valueOf(status).reasonPhrase())) toClient.setStatusMessage(reason);
        HopByHop.copyEndToEnd(fromApp.headers(), toClient.headers());
        String appSession = sessionOut == null || status >= 300 ? null : fromApp.getHeader(McpForwarding.SESSION);
        if (appSession != null) toClient.headers().set(McpForwarding.SESSION, sessionOut.apply(appSession));
        boolean bodiless = incoming.method() == HttpMethod.HEAD || status < 200 || status == 204 || status == 304;
        if (!bodiless && !toClient.headers().contains(HttpHeaders.CONTENT_LENGTH)) toClient.setChunked(true);
        ContainerProxy.endWhenAsleep(lease, toClient);
        // By hand rather than through a Pipe: one write per chunk and no future listened to per write, the hot path's
        // largest cost in Slipway's own code. Back-pressure as a Pipe's: the app is paused while the client is behind.
        fromApp.handler(chunk -> {
            // Ended already when the app went to sleep mid-stream (endWhenAsleep); an empty chunk carries nothing.
            if (toClient.ended() || chunk.length() == 0) return;
            lease.sent(chunk.length());
            if (call != null) call.relayed(chunk);
            toClient.write(chunk);
            if (toClient.writeQueueFull()) {
                fromApp.pause();
                toClient.drainHandler(v -> fromApp.resume());
            }
        });
        fromApp.exceptionHandler(e -> {
            // The app's answer broke off: the client must not take a truncated body for a whole one.
            toApp.reset();
            toClient.reset();
        });
        fromApp.endHandler(v -> {
            if (!toClient.ended()) toClient.end();
        });
        fromApp.resume();
    }

    /** Slipway's own answer; the request's body, if any, is read and dropped. */
    private static void answer(HttpServerRequest incoming, Problem problem) {
        problem.send(incoming.response());
        incoming.resume();
    }

    /** The request's declared Content-Length, or -1 when it has none (chunked, HTTP/2 without one, or no body). */
    private static long declaredLength(HttpServerRequest incoming) {
        String length = incoming.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length == null) return -1;
        try {
            return Long.parseLong(length.trim());
        } catch (NumberFormatException e) {
            return -1; // Vert.x has refused a malformed length before here
        }
    }

    /** An HTTP/1.1 request that declares no body: no Content-Length (or 0) and no Transfer-Encoding. */
    private static boolean hasNoBody(HttpServerRequest incoming, long declared) {
        return incoming.version() == HttpVersion.HTTP_1_1 && declared <= 0 && !incoming.headers().contains(HttpHeaders.TRANSFER_ENCODING);
    }

    /** A body of unknown length: a chunked HTTP/1.1 request, or an HTTP/2 one that may carry data without declaring it. */
    private static boolean mayHaveUndeclaredBody(HttpServerRequest incoming) {
        if (incoming.version() == HttpVersion.HTTP_2) {
            HttpMethod method = incoming.method();
            return method != HttpMethod.GET && method != HttpMethod.HEAD && method != HttpMethod.OPTIONS;
        }
        String encoding = incoming.getHeader(HttpHeaders.TRANSFER_ENCODING);
        return encoding != null && encoding.toLowerCase(java.util.Locale.ROOT).contains("chunked");
    }
}
