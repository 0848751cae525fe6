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

/**
 * An upgraded WebSocket connection, piped by Slipway rather than by vertx-http-proxy so that its frames count as the
 * app's activity: bytes either way renew it, a socket that carries nothing for {@code sleepAfter} does not keep the
 * app awake, and when the app goes to sleep the client gets a close frame (1001, going away) and reconnects.
 */
final class WebSocketTunnel {
    // An unmasked server-to-client close frame, status 1001: the server is going away.
    private static final Buffer GOING_AWAY = Buffer.buffer(new byte[] {(byte) 0x88, 0x02, 0x03, (byte) 0xE9});

    private WebSocketTunnel() {
    }

    /** Completes the upgrade the app accepted (status 101) and pipes both sockets; this exchange is answered. */
    static Future<Void> open(ProxyContext context, Lease lease) {
        HttpServerRequest incoming = context.request().proxiedRequest();
        HttpClientResponse fromApp = context.response().proxiedResponse();
        HttpServerResponse toClient = incoming.response();
        toClient.setStatusCode(101);
        toClient.headers().addAll(context.response().headers());
        Context eventLoop = Vertx.currentContext();
        lease.answered();
        return incoming.toNetSocket().compose(client -> {
            NetSocket app = fromApp.netSocket();
            client.handler(data -> {
                lease.received(data.length());
                app.write(data);
            });
            app.handler(data -> {
                lease.sent(data.length());
                client.write(data);
            });
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
            return Future.<Void>succeededFuture();
        });
    }
}
