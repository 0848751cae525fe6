package io.slipway.testing;

import io.slipway.Slipway;
import io.slipway.config.SlipwayConfig;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * A real Slipway, in this JVM, on a free port, with its own data dir and the real sandbox. Test classes share one
 * npm cache (under {@code target/}) so that packages are fetched from the registry once per build.
 */
public final class TestServer implements AutoCloseable {
    /**
     * Under the system temp dir, not {@code target/}: the build uid must be able to reach it, and a checkout may sit
     * below a directory closed to other users (as {@code mktemp -d} makes them).
     */
    public static final Path NPM_CACHE = Path.of(System.getProperty("java.io.tmpdir"), "slipway-test-npm-caches");

    private final Slipway slipway;
    private final Path dataDir;
    private final URI base;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private TestServer(Slipway slipway, Path dataDir) {
        this.slipway = slipway;
        this.dataDir = dataDir;
        this.base = URI.create("http://127.0.0.1:" + slipway.port());
    }

    public static TestServer start(Path dataDir) {
        return start(dataDir, UnaryOperator.identity());
    }

    public static TestServer start(Path dataDir, UnaryOperator<SlipwayConfig> tweak) {
        return start(tweak.apply(config(dataDir)));
    }

    /** A server with exactly this configuration (for tests of the defaults themselves). */
    public static TestServer start(SlipwayConfig config) {
        openForSandboxes(config.dataDir());
        return new TestServer(Slipway.start(config, Clock.systemUTC()), config.dataDir());
    }

    /** Mints a token on the given plan (null: none, so the default plan). */
    public String token(String user, String plan) {
        return slipway.tokens().mint(user, plan, Duration.ofHours(1));
    }

    /** A 3 s start budget, idle checks every 100 ms, a 1 s stop grace: lifecycles that tests can watch quickly. */
    public static SlipwayConfig fastLifecycle(SlipwayConfig c) {
        var i = c.instances();
        return c.withInstances(new SlipwayConfig.InstanceSettings(Duration.ofSeconds(3), Duration.ofSeconds(1), i.maxWaiters(),
                i.maxWait(), i.maxRunning(), Duration.ofMillis(100), Duration.ofSeconds(10), i.drainTimeout()));
    }

    /** JUnit makes temporary dirs 0700; sandboxes, which run as other uids, must be able to pass through them. */
    public static void openForSandboxes(Path dir) {
        try {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The defaults, on port 0, with the shared npm cache; test users are on the free plan, whose limits the sandbox
     * tests rely on, with room for as many apps and requests as a test class makes (tests that poll in a loop would
     * otherwise meet the rate limit, which RateLimitIT tests on its own).
     */
    public static SlipwayConfig config(Path dataDir) {
        return config(dataDir, Map.of());
    }

    /** {@link #config(Path)} with more configuration keys set, as in {@code slipway.yaml} ({@code auth.jwksUrl}, say). */
    public static SlipwayConfig config(Path dataDir, Map<String, String> keys) {
        Map<String, String> values = new java.util.HashMap<>(Map.of("data", dataDir.toString(), "port", "0", "plans.free.apps", "1000",
                "plans.free.requestsPerSecond", "100000"));
        values.putAll(keys);
        SlipwayConfig c = io.slipway.config.ConfigLoader.load(null, Map.of(), values);
        return c.withBuild(c.build().withNpmCache(NPM_CACHE.toString()));
    }

    public Path dataDir() {
        return dataDir;
    }

    public URI base() {
        return base;
    }

    public HttpClient http() {
        return http;
    }

    public String token(String user) {
        return slipway.tokens().mint(user, null, Duration.ofHours(1));
    }

    /** A token signed by this Slipway that expired an hour ago. */
    public String expiredToken(String user) {
        return new io.slipway.auth.TokenService(io.slipway.auth.SigningSecret.loadOrCreate(dataDir),
                java.time.Clock.offset(Clock.systemUTC(), Duration.ofHours(-2))).mint(user, null, Duration.ofHours(1));
    }

    /** A token whose holder may use the admin API. */
    public String adminToken(String user) {
        return slipway.tokens().mint(user, null, true, Duration.ofHours(1));
    }

    /** A request with a JSON body and the given method. */
    public HttpResponse<String> sendJson(String method, String path, String token, String json) {
        return send(HttpRequest.newBuilder(base.resolve(path)).header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json)));
    }

    public HttpResponse<String> upload(String token, Multipart form) {
        return send(HttpRequest.newBuilder(base.resolve("/api/containers/upload")).header("Authorization", "Bearer " + token)
                .header("Content-Type", form.contentType()).POST(HttpRequest.BodyPublishers.ofByteArray(form.bytes())));
    }

    /** Uploads one file with the given form fields and expects 201; returns the server JSON. */
    public JsonObject deploy(String token, String fileName, String source, Map<String, String> fields) {
        Multipart form = new Multipart().file(fileName, source);
        fields.forEach(form::field);
        HttpResponse<String> response = upload(token, form);
        if (response.statusCode() != 201) throw new AssertionError("upload of " + fileName + " answered " + response.statusCode() + ": " + response.body());
        return new JsonObject(response.body());
    }

    public HttpResponse<String> redeploy(String token, String id, Multipart form) {
        return send(HttpRequest.newBuilder(base.resolve("/api/containers/servers/" + id)).header("Authorization", "Bearer " + token)
                .header("Content-Type", form.contentType()).PUT(HttpRequest.BodyPublishers.ofByteArray(form.bytes())));
    }

    public HttpResponse<String> get(String path, String token) {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(60));
        if (token != null) request.header("Authorization", "Bearer " + token);
        return send(request.GET());
    }

    public HttpResponse<String> delete(String path, String token) {
        return send(HttpRequest.newBuilder(base.resolve(path)).header("Authorization", "Bearer " + token).DELETE());
    }

    /** The app's log as it is on disk now. */
    public String appLog(String appId) {
        try {
            return Files.readString(dataDir.resolve("logs").resolve(appId + ".log"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A GET through the data plane: {@code /containers/{id}{path}}. */
    public HttpResponse<String> call(String appId, String path) {
        return get("/containers/" + appId + path, null);
    }

    public JsonObject server(String token, String id) {
        return new JsonObject(get("/api/containers/servers/" + id, token).body());
    }

    public HttpResponse<String> send(HttpRequest.Builder request) {
        return send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** Sends {@code request} with a 120 s timeout, its answer's body read by {@code body}. */
    public <T> HttpResponse<T> send(HttpRequest.Builder request, HttpResponse.BodyHandler<T> body) {
        try {
            return http.send(request.timeout(Duration.ofSeconds(120)).build(), body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Stops Slipway; its machine-wide uid claims go too, as at a reboot (its next start claims its apps' uids again). */
    @Override
    public void close() {
        try {
            slipway.close();
        } finally {
            releaseUidClaims(dataDir);
        }
    }

    /** Releases every machine-wide uid claim of the Slipway of {@code dataDir} (one that failed to start, say). */
    public static void releaseUidClaims(Path dataDir) {
        io.slipway.runtime.host.UidClaims.machineWide(dataDir).releaseAll();
    }
}
