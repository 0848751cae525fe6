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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An upgraded WebSocket connection, piped by Slipway rather than by vertx-http-proxy so that its frames count as the
 * app's activity: bytes either way renew it, a socket that carries nothing for {@code sleepAfter} does not keep the
 * app awake, and when the app goes to sleep the client gets a close frame (1001, going away) and reconnects.
 */
final class WebSocketTunnel {
    private static final Logger LOG = LoggerFactory.getLogger(WebSocketTunnel.class);
    // An unmasked server-to-client close frame, status 1001: the server is going away.
    private static final Buffer GOING_AWAY = Buffer.buffer(new byte[] {(byte) 0x88, 0x02, 0x03, (byte) 0xE9});

    private WebSocketTunnel() {
    }

    /** Completes the upgrade the app accepted (status 101) and pipes both sockets; this exchange is answered. */
    static Future<Void> open(ProxyContext context, Lease lease) {
        HttpServerRequest incoming = context.request().proxiedRequest();
        HttpClientResponse fromApp = context.response().proxiedResponse();
        HttpServerResponse toClient = incoming.response();
        Context eventLoop = Vertx.currentContext();
        lease.answered();
        // Failures of the upgraded connection end the tunnel through its close handler; left unhandled, each close
        // would be logged as an error.
        fromApp.request().exceptionHandler(e -> LOG.debug("WebSocket connection to the app: {}", e.toString()));
        if (toClient.closed()) {
            // The client hung up while the app took its time to accept. Checked first: toNetSocket() on a closed
            // connection never completes. On the event loop, nothing can close it between here and the upgrade.
            return abandon(fromApp.netSocket(), lease);
        }
        toClient.setStatusCode(101);
        toClient.headers().addAll(context.response().headers());
        return incoming.toNetSocket().transform(upgraded -> {
            NetSocket app = fromApp.netSocket();
            if (upgraded.failed()) return abandon(app, lease);
            NetSocket client = upgraded.result();
            client.handler(data -> {
                lease.received(data.length());
                app.write(data);
            });
            app.handler(data -> {
                lease.sent(data.length());
                client.write(data);
            });
            client.exceptionHandler(e -> LOG.debug("WebSocket connection to the client: {}", e.toString()));
            client.closeHandler(v -> {
                app.close();
                lease.release();
            });
            app.closeHandler(v -> client.close());
            lease.onSleep(() -> {
                CompletableFuture<Void> told = new CompletableFuture<>();
                eventLoop.runOnContext(v -> client.write(GOING_AWAY).onComplete(w -> {
                    client.close();
                    told.complete(null);
                }));
                return told;
            });
            return Future.succeededFuture();
        });
    }

    /** No client to tunnel to: the app's side of the upgrade must not stay open. */
    private static Future<Void> abandon(NetSocket app, Lease lease) {
        app.close();
        lease.release();
        return Future.succeededFuture();
    }
}
