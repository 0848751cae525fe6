package io.slipway.proxy;

import io.slipway.instances.Lease;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.NetSocket;
import io.vertx.httpproxy.ProxyContext;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An upgraded WebSocket connection, piped by Slipway rather than by vertx-http-proxy so that its frames count as the
 * app's activity: bytes either way renew it, a socket that carries nothing for {@code sleepAfter} does not keep the
 * app awake, and when the app goes to sleep the client gets a close frame (1001, going away) and reconnects.
 *
 * <p>Each direction is relayed with back-pressure, as {@link HttpForwarder} relays an answer: while one side's write
 * queue is full the other side is not read, so a reader that falls behind holds its sender back through the TCP
 * windows, and Slipway holds no more than a write queue per direction (and, when the app closes while its client is
 * behind, what the app's connection had read by then). Frames are not parsed: close frames pass as any bytes do, and
 * when either TCP connection ends (after the close handshake the server closes first, RFC 6455 §7.1.1) the other is
 * closed once everything read before that end has been written to it. The lease is released when the client's
 * connection has closed. Runs on the event loop of the client's connection, as the app's connection does.
 */
final class WebSocketTunnel {
    private static final Logger LOG = LoggerFactory.getLogger(WebSocketTunnel.class);
    // An unmasked server-to-client close frame, status 1001: the server is going away.
    private static final Buffer GOING_AWAY = Buffer.buffer(new byte[] {(byte) 0x88, 0x02, 0x03, (byte) 0xE9});

    private final NetSocket client;
    private final NetSocket app;
    private final Lease lease;
    private final Context eventLoop;
    private boolean appClosing;
    private boolean goingAway;

    private WebSocketTunnel(NetSocket client, NetSocket app, Lease lease, Context eventLoop) {
        this.client = client;
        this.app = app;
        this.lease = lease;
        this.eventLoop = eventLoop;
    }

    /** Completes the upgrade the app accepted (status 101) and pipes both sockets; this exchange is answered. */
    static Future<Void> open(ProxyContext context, Lease lease) {
        HttpServerRequest incoming = context.request().proxiedRequest();
        HttpClientResponse fromApp = context.response().proxiedResponse();
        HttpServerResponse toClient = incoming.response();
        Context eventLoop = Vertx.currentContext();
        lease.answered();
        NetSocket app = fromApp.netSocket();
        // Not read until there is a client to write to: the app may speak first, even in the packet of its 101.
        app.pause();
        // Failures of the upgraded connection end the tunnel through its close handler; left unhandled, each close
        // would be logged as an error.
        fromApp.request().exceptionHandler(e -> LOG.debug("WebSocket connection to the app: {}", e.toString()));
        if (toClient.closed()) {
            // The client hung up while the app took its time to accept. Checked first: toNetSocket() on a closed
            // connection never completes. On the event loop, nothing can close it between here and the upgrade.
            return abandon(app, lease);
        }
        toClient.setStatusCode(101);
        toClient.headers().addAll(context.response().headers());
        return incoming.toNetSocket().transform(upgraded -> {
            if (upgraded.failed()) return abandon(app, lease);
            new WebSocketTunnel(upgraded.result(), app, lease, eventLoop).start();
            return Future.succeededFuture();
        });
    }

    /**
     * Pipes an upgraded client connection to another upgraded one that is not the app's own (the replica that runs the
     * app, {@link ReplicaRelay}) as the app's would be: {@code lease} meters it where this Slipway holds one.
     */
    static void between(NetSocket client, NetSocket other, Lease lease) {
        new WebSocketTunnel(client, other, lease, Vertx.currentContext()).start();
    }

    /** No client to tunnel to: the app's side of the upgrade must not stay open. */
    private static Future<Void> abandon(NetSocket app, Lease lease) {
        app.close();
        lease.release();
        return Future.succeededFuture();
    }

    private void start() {
        relay(client, app, lease::received);
        relay(app, client, lease::sent);
        client.exceptionHandler(e -> LOG.debug("WebSocket connection to the client: {}", e.toString()));
        // The end, not the close, is passed on: a NetSocket reports its end after the data it read before (which waits
        // while the socket is paused for a slow app), and its close at once.
        client.endHandler(v -> closeApp());
        client.closeHandler(v -> lease.release());
        app.closeHandler(v -> appClosed());
        lease.onSleep(this::goAway);
        // An app killed with its whole sandbox may never close its connection itself: its exit ends the tunnel.
        lease.onGone(() -> eventLoop.runOnContext(v -> closeApp()));
        app.resume();
    }

    /**
     * Copies what {@code from} reads to {@code to}, counting it with {@code meter}; while {@code to}'s write queue is
     * full, {@code from} is paused, so its sender is held back by TCP rather than queued in Slipway.
     */
    private static void relay(NetSocket from, NetSocket to, IntConsumer meter) {
        from.handler(data -> {
            meter.accept(data.length());
            to.write(data);
            if (to.writeQueueFull()) {
                from.pause();
                to.drainHandler(v -> from.resume());
            }
        });
    }

    private void closeApp() {
        if (appClosing) return;
        appClosing = true;
        app.close();
    }

    /**
     * The app's connection reports its close ahead of the data it read before, which waits in the socket while it is
     * paused for a slow client. Nothing more can be read, so that rest is bounded: it is all handed to the client's write
     * queue, unpaused, and the client's connection closed after it (resuming queues the delivery as a task on this
     * event loop, ahead of the close; a close flushes what was written before it).
     */
    private void appClosed() {
        appClosing = true;
        if (!goingAway) {
            app.handler(data -> {
                lease.sent(data.length());
                client.write(data);
            });
            app.resume();
        }
        eventLoop.runOnContext(v -> client.close());
    }

    /** The app goes to sleep: the client is told (1001), then its connection closed; completes once the frame is out. */
    private CompletableFuture<Void> goAway() {
        CompletableFuture<Void> told = new CompletableFuture<>();
        eventLoop.runOnContext(v -> {
            // Nothing of the app's may follow the close frame.
            goingAway = true;
            app.handler(data -> { });
            client.write(GOING_AWAY).onComplete(w -> {
                client.close();
                told.complete(null);
            });
        });
        return told;
    }
}
