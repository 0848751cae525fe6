package io.slipway.proxy;

import io.slipway.http.Problem;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.NetSocket;
import io.slipway.instances.Lease;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.streams.Pipe;
import java.net.URI;
import java.time.Duration;

/**
 * A request for an app that another replica runs, relayed to that replica as it came: its target, its {@code Host} and
 * its end-to-end headers (the caller's credentials included: the replica that runs the app checks them, meters the
 * exchange and applies the plan's limits), marked with {@code X-Slipway-Replica} so that the receiver serves it itself.
 * Both bodies stream with back-pressure. A replica that cannot be reached is answered {@code 503 replica-unreachable}
 * with {@code Retry-After}: its lease runs out within a lease period, and the next request then starts the app here.
 */
final class ReplicaRelay {
    private final HttpClient client;
    private final String self;
    private final Duration retryAfter;

    /**
     * @param self       this replica's id, which the relayed request carries
     * @param retryAfter how soon a client should try again when the replica is unreachable (the lease period)
     */
    ReplicaRelay(HttpClient client, String self, Duration retryAfter) {
        this.client = client;
        this.self = self;
        this.retryAfter = retryAfter;
    }

    /**
     * Relays {@code incoming} (paused) to the replica at {@code replicaUrl}; when no connection to it can be had (so
     * nothing of the request was sent), {@code unreachable} runs instead, to serve it some other way or {@link #refuse} it.
     */
    void relay(HttpServerRequest incoming, String replicaUrl, Runnable unreachable) {
        MultiMap headers = HttpHeaders.headers();
        HopByHop.copyEndToEnd(incoming.headers(), headers);
        requestTo(incoming, replicaUrl, headers, unreachable, toPeer -> {
            if (!headers.contains(HttpHeaders.CONTENT_LENGTH) && incoming.method() != HttpMethod.GET && incoming.method() != HttpMethod.HEAD) {
                toPeer.setChunked(true);
            }
            toPeer.response().onComplete(answered -> {
                if (answered.failed()) {
                    incoming.response().reset();
                } else {
                    answer(incoming, answered.result(), toPeer);
                }
            });
            ResponseEnds.onClose(incoming.response(), toPeer::reset);
            Pipe<Buffer> body = incoming.pipe();
            body.endOnFailure(false);
            body.to(toPeer).onFailure(e -> toPeer.reset());
        });
    }

    /**
     * Opens the request to the peer at {@code replicaUrl} with {@code headers} (marked as relayed by this replica), the
     * incoming request's method, target and authority, and gives it to {@code then}; {@code unreachable} runs instead
     * when no connection to the peer can be had.
     */
    private void requestTo(HttpServerRequest incoming, String replicaUrl, MultiMap headers, Runnable unreachable,
                           io.vertx.core.Handler<HttpClientRequest> then) {
        URI peer = URI.create(replicaUrl);
        headers.set(io.slipway.cluster.Replica.RELAYED_BY, self);
        RequestOptions options = new RequestOptions().setServer(SocketAddress.inetSocketAddress(port(peer), peer.getHost()))
                .setMethod(incoming.method()).setURI(incoming.uri()).setHeaders(headers);
        client.request(options).onComplete(created -> {
            if (created.failed()) {
                unreachable.run();
                return;
            }
            HttpClientRequest toPeer = created.result();
            if (incoming.authority() != null) toPeer.authority(incoming.authority());
            then.handle(toPeer);
        });
    }

    /**
     * Relays a WebSocket upgrade (paused) to the replica at {@code replicaUrl}: every header goes as it came (the
     * upgrade's own among them), and once that replica answers 101 both connections are piped as a tunnel to the app
     * is ({@link WebSocketTunnel}), unmetered here: the replica that runs the app meters it. Any other answer is relayed
     * as an answer. When no connection to it can be had, {@code unreachable} runs instead.
     */
    void tunnel(HttpServerRequest incoming, String replicaUrl, Runnable unreachable) {
        MultiMap headers = HttpHeaders.headers().addAll(incoming.headers());
        requestTo(incoming, replicaUrl, headers, unreachable, toPeer -> {
            toPeer.connect().onComplete(answered -> {
                if (answered.failed()) {
                    incoming.response().reset();
                    return;
                }
                HttpClientResponse fromPeer = answered.result();
                if (fromPeer.statusCode() != 101) {
                    answer(incoming, fromPeer, toPeer);
                    incoming.resume();
                    return;
                }
                NetSocket other = fromPeer.netSocket();
                other.pause();
                HttpServerResponse toClient = incoming.response();
                if (toClient.closed()) {
                    other.close();
                    return;
                }
                toClient.setStatusCode(101);
                toClient.headers().addAll(fromPeer.headers());
                incoming.toNetSocket().onComplete(upgraded -> {
                    if (upgraded.failed()) other.close(); else WebSocketTunnel.between(upgraded.result(), other, UNMETERED);
                });
            });
        });
    }

    /** A relayed tunnel's: this replica holds no lease on the app, whose own replica meters and ends the tunnel. */
    private static final Lease UNMETERED = new Lease() {
        private final java.util.concurrent.CompletableFuture<Long> never = new java.util.concurrent.CompletableFuture<>();

        @Override
        public java.net.SocketAddress address() {
            throw new UnsupportedOperationException("a relayed tunnel reaches no app here");
        }

        @Override
        public Object process() {
            return this;
        }

        @Override
        public java.util.concurrent.CompletionStage<Long> gone() {
            return never;
        }

        @Override
        public void onGone(Runnable action) {
        }

        @Override
        public void answered() {
        }

        @Override
        public void received(int bytes) {
        }

        @Override
        public void sent(int bytes) {
        }

        @Override
        public void onSleep(java.util.function.Supplier<java.util.concurrent.CompletionStage<Void>> endCleanly) {
        }

        @Override
        public void release() {
        }
    };

    private static void answer(HttpServerRequest incoming, HttpClientResponse fromPeer, HttpClientRequest toPeer) {
        HttpServerResponse toClient = incoming.response();
        toClient.setStatusCode(fromPeer.statusCode());
        if (fromPeer.statusMessage() != null) toClient.setStatusMessage(fromPeer.statusMessage());
        HopByHop.copyEndToEnd(fromPeer.headers(), toClient.headers());
        if (!toClient.headers().contains(HttpHeaders.CONTENT_LENGTH) && incoming.method() != HttpMethod.HEAD) {
            // An HTTP/1.0 client cannot read chunks: its body of unknown length ends where the connection does.
            if (incoming.version() == io.vertx.core.http.HttpVersion.HTTP_1_0) toClient.headers().set(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
            else toClient.setChunked(true);
        }
        fromPeer.exceptionHandler(e -> {
            toPeer.reset();
            toClient.reset();
        });
        fromPeer.pipeTo(toClient).onFailure(e -> toClient.reset());
    }

    /** Answers {@code 503 replica-unreachable}: the replica at {@code replicaUrl}, which holds the app, does not answer. */
    void refuse(HttpServerRequest incoming, String replicaUrl) {
        Problem.of(503, "replica-unreachable", "Service Unavailable", "the replica of Slipway that runs this app (" + replicaUrl
                + ") does not answer; if it has gone, another takes the app over within " + retryAfter.toSeconds() + " s")
                .withRetryAfter(retryAfter).send(incoming.response());
        incoming.resume();
    }

    private static int port(URI peer) {
        if (peer.getPort() > 0) return peer.getPort();
        return "https".equalsIgnoreCase(peer.getScheme()) ? 443 : 80;
    }
}
