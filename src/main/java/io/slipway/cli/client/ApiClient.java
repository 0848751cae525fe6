package io.slipway.cli.client;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Calls one Slipway server's API with a bearer token. Every call blocks until the whole answer is read (an event stream:
 * until it is opened) and has a deadline; an answer of 400 or more throws {@link ApiProblem}, a server that cannot be
 * reached {@link CommandFailed}. Thread-safe.
 */
public final class ApiClient {
    /** Ordinary calls; an upload waits for the build and the start, which the server bounds itself. */
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration DEPLOY_TIMEOUT = Duration.ofMinutes(30);

    private final URI server;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    public ApiClient(ClientConfig.Connection connection) {
        this.server = connection.server();
        this.token = connection.token();
    }

    /** One answer: its status and its body. */
    public record Answer(int status, String body) {
        public JsonObject json() {
            try {
                return new JsonObject(body);
            } catch (DecodeException | ClassCastException e) {
                throw new CommandFailed("the server answered " + status + " with something that is not JSON: " + abbreviate(body), e);
            }
        }
    }

    public URI server() {
        return server;
    }

    public Answer get(String path) {
        return send(request(path, CALL_TIMEOUT).GET());
    }

    public Answer delete(String path) {
        return send(request(path, CALL_TIMEOUT).DELETE());
    }

    public Answer sendJson(String method, String path, JsonObject body) {
        return send(request(path, CALL_TIMEOUT).header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body.encode())));
    }

    /** A multipart upload (POST or PUT): blocks until the app is built and started, or refused. */
    public Answer upload(String method, String path, MultipartBody form) {
        return send(request(path, DEPLOY_TIMEOUT).header("Content-Type", form.contentType())
                .method(method, HttpRequest.BodyPublishers.ofByteArray(form.bytes())));
    }

    /** Opens an event stream ({@code Accept: text/event-stream}); the caller reads and closes it. No deadline past the opening. */
    public EventStream stream(String path) {
        HttpRequest request = HttpRequest.newBuilder(server.resolve(path)).header("Authorization", "Bearer " + token())
                .header("Accept", "text/event-stream").GET().build();
        HttpResponse<InputStream> response = exchange(request, HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() >= 400) {
            try (InputStream body = response.body()) {
                throw problem(response.statusCode(), new String(body.readNBytes(64 * 1024), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new CommandFailed("cannot read the answer of " + server.resolve(path), e);
            }
        }
        return new EventStream(response.body());
    }

    private HttpRequest.Builder request(String path, Duration timeout) {
        return HttpRequest.newBuilder(server.resolve(path)).header("Authorization", "Bearer " + token()).timeout(timeout);
    }

    private String token() {
        if (token == null) throw new UsageError("no token: run ./slipway login --server " + server + ", or set " + ClientConfig.TOKEN_VARIABLE);
        return token;
    }

    private Answer send(HttpRequest.Builder builder) {
        HttpResponse<String> response = exchange(builder.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() >= 400) throw problem(response.statusCode(), response.body());
        return new Answer(response.statusCode(), response.body());
    }

    private <T> HttpResponse<T> exchange(HttpRequest request, HttpResponse.BodyHandler<T> body) {
        try {
            return http.send(request, body);
        } catch (HttpTimeoutException e) {
            throw new CommandFailed(request.method() + " " + request.uri() + " got no answer in " + request.timeout().orElse(CALL_TIMEOUT).toSeconds() + " s", e);
        } catch (ConnectException e) {
            throw new CommandFailed("cannot connect to " + server + " (" + (e.getMessage() == null ? "connection refused" : e.getMessage()) + ")", e);
        } catch (IOException e) {
            throw new CommandFailed(request.method() + " " + request.uri() + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CommandFailed("interrupted while waiting for " + request.uri(), e);
        }
    }

    /** The problem document of a failed answer, or the status and the start of a body that is none. */
    static ApiProblem problem(int status, String body) {
        try {
            JsonObject problem = new JsonObject(body);
            String type = problem.getString("type", "");
            return new ApiProblem(status, problem.getString("title"), problem.getString("detail"), type.substring(type.lastIndexOf('/') + 1));
        } catch (DecodeException | ClassCastException e) {
            return new ApiProblem(status, null, body.isBlank() ? null : abbreviate(body), null);
        }
    }

    private static String abbreviate(String text) {
        String line = text.strip().replaceAll("\\s+", " ");
        return line.length() > 200 ? line.substring(0, 200) + "…" : line;
    }
}
