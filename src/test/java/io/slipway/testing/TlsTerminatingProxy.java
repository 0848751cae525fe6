package io.slipway.testing;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SelfSignedCertificate;
import io.vertx.core.net.SocketAddress;
import java.net.URI;
import java.util.Set;

/**
 * A reverse proxy in front of Slipway that ends TLS, configured as one usually configures nginx for an app
 * ({@code X-Forwarded-For $proxy_add_x_forwarded_for}, {@code X-Forwarded-Proto $scheme}, {@code X-Forwarded-Host
 * $http_host}, the client's {@code Host} passed on): HTTPS with a self-signed certificate for {@code localhost} on a free
 * port, plain HTTP to Slipway from {@code localAddress}, so that Slipway can tell the proxy from its clients. Bodies are
 * read whole: for small test exchanges only.
 */
public final class TlsTerminatingProxy implements AutoCloseable {
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "transfer-encoding", "upgrade", "te", "trailer",
            "proxy-connection", "content-length");

    private final Vertx vertx;
    private final HttpServer server;

    private TlsTerminatingProxy(Vertx vertx, HttpServer server) {
        this.vertx = vertx;
        this.server = server;
    }

    /** Listens on a free port of 127.0.0.1 and forwards to {@code backend}, connecting from {@code localAddress}. */
    public static TlsTerminatingProxy start(URI backend, String localAddress) {
        Vertx vertx = Vertx.vertx();
        SelfSignedCertificate certificate = SelfSignedCertificate.create("localhost");
        HttpClient client = vertx.createHttpClient(new HttpClientOptions().setLocalAddress(localAddress));
        SocketAddress target = SocketAddress.inetSocketAddress(backend.getPort(), backend.getHost());
        HttpServer server = vertx.createHttpServer(new HttpServerOptions().setSsl(true).setKeyCertOptions(certificate.keyCertOptions()))
                .requestHandler(request -> forward(client, target, request));
        server.listen(0, "127.0.0.1").await();
        return new TlsTerminatingProxy(vertx, server);
    }

    private static void forward(HttpClient client, SocketAddress target, HttpServerRequest request) {
        request.body().compose(body -> client.request(new RequestOptions().setServer(target).setMethod(request.method())
                .setURI(request.uri())).compose(toBackend -> {
                    MultiMap headers = toBackend.headers();
                    request.headers().forEach(h -> {
                        if (!HOP_BY_HOP.contains(h.getKey().toLowerCase()) && !h.getKey().equalsIgnoreCase("host")) headers.add(h.getKey(), h.getValue());
                    });
                    String caller = request.remoteAddress().hostAddress();
                    String prior = String.join(", ", request.headers().getAll("X-Forwarded-For"));
                    headers.set("X-Forwarded-For", prior.isEmpty() ? caller : prior + ", " + caller);
                    headers.set("X-Forwarded-Proto", "https");
                    headers.set("X-Forwarded-Host", request.authority().toString());
                    toBackend.authority(request.authority());
                    return toBackend.send(body);
                })).compose(answer -> answer.body().map(body -> {
                    request.response().setStatusCode(answer.statusCode());
                    answer.headers().forEach(h -> {
                        if (!HOP_BY_HOP.contains(h.getKey().toLowerCase())) request.response().headers().add(h.getKey(), h.getValue());
                    });
                    request.response().end(body);
                    return body;
                })).onFailure(e -> request.response().setStatusCode(502).putHeader(HttpHeaders.CONTENT_TYPE, "text/plain")
                        .end("proxy: " + e));
    }

    /** {@code https://localhost:<port>}. */
    public URI base() {
        return URI.create("https://localhost:" + server.actualPort());
    }

    @Override
    public void close() {
        vertx.close().await();
    }
}
