package io.slipway.testing;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** curl as a user runs it, with what it says of the exchange read from its {@code --write-out} JSON. */
public final class Curl {
    private Curl() {
    }

    /**
     * What curl ended with: its exit code, the last answer's status, the URL it was fetched from (after redirects,
     * with {@code -L}), how many redirects it followed, that answer's headers and body, and curl's own complaints.
     */
    public record Result(int exitCode, int status, String url, int redirects, JsonObject headers, String body, String stderr) {
        /** The first value of the last answer's header {@code name}, or null. */
        public String header(String name) {
            var values = headers.getJsonArray(name.toLowerCase(java.util.Locale.ROOT));
            return values == null || values.isEmpty() ? null : values.getString(0);
        }

        public JsonObject json() {
            return new JsonObject(body);
        }
    }

    /** Runs {@code curl -sS args…}, at most 60 s. */
    public static Result run(String... args) {
        try {
            Path dir = Files.createTempDirectory("curl");
            Path body = dir.resolve("body");
            try {
                List<String> command = new ArrayList<>(List.of("curl", "-sS", "--max-time", "60", "-o", body.toString(),
                        "-w", "%{json}\\n%{header_json}"));
                command.addAll(List.of(args));
                Commands.Result ended = Commands.run(command, dir, Duration.ofSeconds(70));
                String out = ended.stdout();
                int newline = out.indexOf('\n');
                JsonObject info = new JsonObject(newline < 0 ? out : out.substring(0, newline));
                String headers = newline < 0 ? "" : out.substring(newline + 1);
                return new Result(ended.exitCode(), info.getInteger("http_code"), info.getString("url_effective"), info.getInteger("num_redirects"),
                        headers.isBlank() ? new JsonObject() : new JsonObject(headers), Files.exists(body) ? Files.readString(body) : "",
                        ended.stderr());
            } finally {
                Files.deleteIfExists(body);
                Files.delete(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
