package io.slipway.testing;

import static org.awaitility.Awaitility.await;

import io.slipway.runtime.Sandbox;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

/**
 * HTTP straight to a sandbox, at the address its runtime gives (what the proxy dials), with no Slipway in between: for
 * the runtime contract and the lifecycle tests. Only TCP addresses; a runtime that gives a unix socket needs more here.
 */
public final class SandboxClient {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    private SandboxClient() {
    }

    /** The base URI of the app at {@code address}. */
    public static URI uri(SocketAddress address, String path) {
        if (!(address instanceof InetSocketAddress inet)) throw new IllegalArgumentException("not a TCP address: " + address);
        String host = inet.getAddress() instanceof Inet6Address ? "[" + inet.getAddress().getHostAddress() + "]" : inet.getHostString();
        return URI.create("http://" + host + ":" + inet.getPort() + path);
    }

    public static HttpResponse<String> get(SocketAddress address, String path) {
        return send(HttpRequest.newBuilder(uri(address, path)).GET());
    }

    public static HttpResponse<String> post(SocketAddress address, String path, String body) {
        return send(HttpRequest.newBuilder(uri(address, path)).POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    /** A GET that must answer 200 with a JSON object. */
    public static JsonObject json(SocketAddress address, String path) {
        HttpResponse<String> response = get(address, path);
        if (response.statusCode() != 200) throw new AssertionError("GET " + path + " answered " + response.statusCode() + ": " + response.body());
        return new JsonObject(response.body());
    }

    /**
     * Waits until the app answers {@code path} with any status (as readiness does), and returns that answer; fails at
     * once if the sandbox exits first, and after {@code within}.
     */
    public static HttpResponse<String> awaitAnswer(Sandbox sandbox, String path, Duration within) {
        AtomicReference<HttpResponse<String>> answer = new AtomicReference<>();
        await("the app of " + sandbox.appId() + " answering " + path).atMost(within).pollInterval(Duration.ofMillis(20))
                .failFast("the sandbox exited before its app answered", () -> sandbox.exited().isDone())
                .ignoreExceptions().until(() -> {
                    answer.set(get(sandbox.address(), path));
                    return true;
                });
        return answer.get();
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return HTTP.send(request.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
