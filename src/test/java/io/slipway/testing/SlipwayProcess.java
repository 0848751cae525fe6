package io.slipway.testing;

import static org.awaitility.Awaitility.await;

import io.slipway.auth.SigningSecret;
import io.slipway.auth.TokenService;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ./slipway up} as a separate process, as a user runs it, on a free port, with its output collected. The
 * process is the JVM itself (the script execs it), so {@link #kill9()} is a real crash of Slipway.
 */
public final class SlipwayProcess implements AutoCloseable {
    /** The line that says Slipway listens, as text or as JSON ({@code logging.format: json} escapes the slashes). */
    private static final Pattern LISTENING = Pattern.compile("Slipway listening on http:\\\\?/\\\\?/localhost:(\\d+)");

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private final Path data;
    private final Process process;
    private final List<String> output = new CopyOnWriteArrayList<>();
    private final String base;

    private SlipwayProcess(Path data, Map<String, String> env) {
        this.data = data;
        ProcessBuilder pb = new ProcessBuilder("./slipway", "up", "--port", "0", "--data", data.toString()).redirectErrorStream(true);
        pb.environment().put("SLIPWAY_BUILD_NPM_CACHE", TestServer.NPM_CACHE.toString());
        // The jar this build made: ./slipway would rebuild a jar older than the sources, under the running tests' feet.
        pb.environment().put("SLIPWAY_JAR", System.getProperty("slipway.jar", Path.of("target/slipway.jar").toAbsolutePath().toString()));
        pb.environment().putAll(env);
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        Thread.ofVirtual().start(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                reader.lines().forEach(output::add);
            } catch (IOException ignored) {
                // the process ended
            }
        });
        Matcher m;
        try {
            await().atMost(Duration.ofMinutes(3)).until(() -> output.stream().anyMatch(l -> LISTENING.matcher(l).find()) || !process.isAlive());
            m = output.stream().map(LISTENING::matcher).filter(Matcher::find).findFirst()
                    .orElseThrow(() -> new AssertionError("Slipway did not start:\n" + String.join("\n", output)));
        } catch (RuntimeException | AssertionError e) {
            // Not listening (or not saying so): nobody will close it, so it goes now.
            process.destroyForcibly();
            throw e;
        }
        base = "http://localhost:" + m.group(1);
    }

    /** Starts Slipway on {@code data} with extra environment ({@code SLIPWAY_*} settings) and waits until it listens. */
    public static SlipwayProcess up(Path data, Map<String, String> env) {
        return new SlipwayProcess(data, env);
    }

    public String base() {
        return base;
    }

    /** A token for {@code user} (no plan claim), signed with this Slipway's own secret. */
    public String token(String user) {
        return new TokenService(SigningSecret.loadOrCreate(data), Clock.systemUTC()).mint(user, null, Duration.ofHours(1));
    }

    /** Uploads {@code source} as {@code fileName}, as {@code token}'s user, and returns the new app's id; fails unless 201. */
    public String deploy(String token, String fileName, String source) throws IOException, InterruptedException {
        return deploy(token, fileName, source, Map.of());
    }

    /** {@link #deploy(String, String, String)} with more form fields ({@code sleepAfter}, say). */
    public String deploy(String token, String fileName, String source, Map<String, String> fields) throws IOException, InterruptedException {
        Multipart form = new Multipart().file(fileName, source);
        fields.forEach(form::field);
        HttpResponse<String> created = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/api/containers/upload"))
                .header("Authorization", "Bearer " + token).header("Content-Type", form.contentType())
                .POST(HttpRequest.BodyPublishers.ofByteArray(form.bytes())).timeout(Duration.ofSeconds(120)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (created.statusCode() != 201) throw new AssertionError("upload answered " + created.statusCode() + ": " + created.body());
        return new JsonObject(created.body()).getString("id");
    }

    public Process process() {
        return process;
    }

    public List<String> output() {
        return output;
    }

    /** SIGKILL: no shutdown hook, no last flush; whatever was not written is lost. */
    public void kill9() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) throw new AssertionError("Slipway survived SIGKILL");
    }

    /** Stops Slipway; its machine-wide uid claims go too, as at a reboot (its next start claims its apps' uids again). */
    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) process.destroyForcibly();
        }
        io.slipway.runtime.host.UidClaims.machineWide(data).releaseAll();
    }
}
