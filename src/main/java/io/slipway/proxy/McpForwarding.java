package io.slipway.proxy;

import io.slipway.http.Problem;
import io.slipway.instances.Lease;
import io.slipway.mcp.JsonRpc;
import io.slipway.mcp.McpRecord;
import io.slipway.mcp.McpSessions;
import io.slipway.mcp.McpSessions.Session;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;

/**
 * The exchanges with a recognised MCP server that Slipway takes part in (DESIGN §4), on the proxy's event loop:
 * discovery answered from the record while the app sleeps ({@link McpRequests}), and the sessions Slipway holds for
 * clients of servers that give sessions ({@link McpSessions}). A client's {@code initialize} makes the app's session
 * and Slipway's, whose id the client gets instead; each later request in it goes to the app with the app's session of
 * the process it reaches, made again by replaying the client's {@code initialize} and {@code notifications/initialized}
 * when that process is another (the app slept, crashed or was redeployed since). While the app sleeps, a held
 * session's discovery is answered from the record, its {@code DELETE} ends it without waking the app, and its {@code
 * GET} stream is answered {@code 405} (the specification's "no stream here"), so that a client's reconnect does not
 * wake it; a tool call wakes it.
 */
final class McpForwarding {
    static final String SESSION = "Mcp-Session-Id";
    private static final Problem REPLAY_FAILED = Problem.of(502, "mcp-session-lost", "Bad Gateway",
            "the app's new process did not take up the MCP session again: initialize anew");

    private final HttpForwarder forwarder;
    private final ContainerProxy proxy;
    private final HttpClient client;

    McpForwarding(HttpForwarder forwarder, ContainerProxy proxy, HttpClient client) {
        this.forwarder = forwarder;
        this.proxy = proxy;
        this.client = client;
    }

    private McpRequests requests() {
        return proxy.mcpRequests();
    }

    /** A small JSON POST to the server's path ({@link McpRequests#candidate}), read whole here. */
    void post(HttpServerRequest incoming, ContainerPaths paths, MultiMap headers, long declared, McpRecord record) {
        incoming.body().onComplete(read -> {
            if (read.failed()) return; // the client went away while it sent its body
            Buffer body = read.result();
            Optional<JsonRpc> message = JsonRpc.parse(body.toString());
            boolean initialize = message.map(m -> "initialize".equals(m.method())).orElse(false);
            Optional<Session> session = record.sessions() ? requests().sessions().find(paths.appId(), headers.get(SESSION)) : Optional.empty();
            boolean holdable = body.length() <= McpSessions.MAX_INITIALIZE;
            var reply = record.sessions() && initialize && !holdable ? Optional.<io.slipway.mcp.McpAnswers.Reply>empty()
                    : requests().answer(paths.appId(), record, message, incoming, session.isPresent());
            if (reply.isPresent()) {
                proxy.check(paths, headers, declared).onComplete(checked -> {
                    if (checked.failed()) {
                        ContainerProxy.problemFor(checked.cause()).send(incoming.response());
                        return;
                    }
                    if (record.sessions() && initialize) {
                        requests().sessions().open(paths.appId(), body.toString(), headers, askedVersion(message.get()), null, null)
                                .ifPresent(opened -> incoming.response().putHeader(SESSION, opened.id()));
                    }
                    McpRequests.send(incoming, reply.get());
                });
                return;
            }
            ToolCallObserver call = proxy.toolCall(paths.appId(), incoming, message);
            Future<Lease> admission = call != null ? call.admit(proxy, paths, headers, declared, incoming.response())
                    : proxy.admit(paths, headers, declared);
            admission.onComplete(admitted -> {
                if (admitted.failed()) {
                    if (!ToolCallObserver.answered(incoming, admitted.cause())) ContainerProxy.problemFor(admitted.cause()).send(incoming.response());
                    return;
                }
                Lease lease = admitted.result();
                if (session.isPresent()) {
                    inAppSession(incoming, paths, headers, declared, lease, session.get(), body, call);
                } else if (record.sessions() && initialize && holdable && headers.get(SESSION) == null) {
                    // The app's session, made by this very initialize, is the client's only through Slipway's.
                    String asked = askedVersion(message.get());
                    forwarder.send(incoming, paths, headers, declared, lease, false, body, appSession -> requests().sessions()
                            .open(paths.appId(), body.toString(), headers, asked, lease.process(), appSession).map(Session::id).orElse(appSession),
                            null);
                } else {
                    forwarder.send(incoming, paths, headers, declared, lease, false, body, null, call);
                }
            });
        });
        incoming.resume();
    }

    /** Any other request naming a session Slipway holds: a GET stream, a DELETE, a large POST. */
    void held(HttpServerRequest incoming, ContainerPaths paths, MultiMap headers, long declared, Session session) {
        boolean asleep = requests().asleep(paths.appId());
        if (asleep && (incoming.method() == HttpMethod.DELETE || incoming.method() == HttpMethod.GET)) {
            proxy.check(paths, headers, declared).onComplete(checked -> {
                if (checked.failed()) {
                    ContainerProxy.problemFor(checked.cause()).send(incoming.response());
                } else if (incoming.method() == HttpMethod.DELETE) {
                    // Its process is gone, and the app's session with it: nothing to tell the app.
                    requests().sessions().close(session);
                    incoming.response().setStatusCode(200).end();
                } else {
                    incoming.response().setStatusCode(405).putHeader(HttpHeaders.ALLOW, "POST, DELETE").end();
                }
                incoming.resume();
            });
            return;
        }
        ToolCallObserver call = proxy.toolCallByHeaders(incoming, paths);
        Future<Lease> admission = call != null ? call.admit(proxy, paths, headers, declared, incoming.response()) : proxy.admit(paths, headers, declared);
        admission.onComplete(admitted -> {
            if (admitted.failed()) {
                if (!ToolCallObserver.answered(incoming, admitted.cause())) ContainerProxy.problemFor(admitted.cause()).send(incoming.response());
                incoming.resume();
                return;
            }
            if (incoming.method() == HttpMethod.DELETE) requests().sessions().close(session);
            inAppSession(incoming, paths, headers, declared, admitted.result(), session, null, call);
        });
    }

    /** Sends the request in the app's session of the process {@code lease} is on, made first if that process has none. */
    private void inAppSession(HttpServerRequest incoming, ContainerPaths paths, MultiMap headers, long declared, Lease lease, Session session,
                              Buffer body, ToolCallObserver call) {
        CompletableFuture<String> appSession = session.appSession(lease.process(), () -> replay(incoming, paths, lease, session));
        Future.fromCompletionStage(appSession, Vertx.currentContext()).onComplete(made -> {
            if (made.failed()) {
                lease.release();
                REPLAY_FAILED.send(incoming.response());
                incoming.resume();
                return;
            }
            headers.set(SESSION, made.result());
            UnaryOperator<String> toClient = fromApp -> session.id();
            forwarder.send(incoming, paths, headers, declared, lease, false, body, toClient, call);
        });
    }

    /**
     * The client's own {@code initialize}, then {@code notifications/initialized} in the session it opens, sent to the
     * app's process under {@code lease}: that process's session for the client. Fails when the app gives none.
     */
    private CompletableFuture<String> replay(HttpServerRequest incoming, ContainerPaths paths, Lease lease, Session session) {
        CompletableFuture<String> made = new CompletableFuture<>();
        String uri = paths.forwardedUri();
        var authority = incoming.authority() != null ? incoming.authority() : ContainerProxy.LOCALHOST;
        post(lease, uri, authority, session, session.initialize(), null).compose(answer -> {
            String appSession = answer.getHeader(SESSION);
            // Its headers are all Slipway needs: the body, whatever its size or however long it streams, is not read.
            answer.request().reset();
            if (appSession == null || answer.statusCode() >= 300) {
                return Future.failedFuture(new IllegalStateException("the replayed initialize got " + answer.statusCode() + " and no session"));
            }
            return post(lease, uri, authority, session, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}", appSession)
                    .map(answered -> {
                        answered.request().reset();
                        return appSession;
                    });
        }).onComplete(done -> {
            if (done.succeeded()) made.complete(done.result()); else made.completeExceptionally(done.cause());
        });
        return made;
    }

    /** A replayed request, with the headers the client's {@code initialize} was forwarded with (its own credentials for the app, say). */
    private Future<HttpClientResponse> post(Lease lease, String uri, io.vertx.core.net.HostAndPort authority, Session session, String body,
                                            String sessionId) {
        RequestOptions options = new RequestOptions().setServer(ContainerProxy.origin(lease)).setMethod(HttpMethod.POST).setURI(uri)
                .setTimeout(10_000);
        session.headers().forEach(header -> options.addHeader(header.getKey(), header.getValue()));
        options.putHeader(HttpHeaders.CONTENT_TYPE, "application/json").putHeader(HttpHeaders.ACCEPT, "application/json, text/event-stream")
                .removeHeader(HttpHeaders.CONTENT_LENGTH).removeHeader(SESSION);
        if (sessionId != null) options.putHeader(SESSION, sessionId);
        if (sessionId != null && session.protocolVersion() != null) options.putHeader("MCP-Protocol-Version", session.protocolVersion());
        return client.request(options).compose(request -> {
            request.authority(authority);
            return request.send(Buffer.buffer(body));
        });
    }

    private static String askedVersion(JsonRpc initialize) {
        try {
            return new JsonObject(initialize.params()).getString("protocolVersion");
        } catch (RuntimeException e) {
            return null;
        }
    }
}
