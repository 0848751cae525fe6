package io.slipway.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a test's client command (node, python, curl) to its end, with a deadline. */
public final class Commands {
    private Commands() {
    }

    /** How a command ended: its exit code and everything it wrote to stdout and stderr. */
    public record Result(int exitCode, String stdout, String stderr) {
    }

    /**
     * The one JSON line a client script printed to say what it saw (other lines are the client's own chatter); fails
     * the test, with what the script wrote, when it did not exit 0 or printed no such line or several.
     */
    public static JsonObject printedJson(int exitCode, String stdout, String stderr) {
        assertThat(exitCode).as("client exit code; stderr: %s", stderr).isZero();
        List<String> lines = stdout.lines().filter(line -> line.startsWith("{")).toList();
        assertThat(lines).as("stdout: %s", stdout).hasSize(1);
        return new JsonObject(lines.getFirst());
    }

    /**
     * Runs {@code command} in {@code dir} and waits for it to exit, at most {@code timeout}; past it, the command is
     * killed and the test fails with what it wrote. Its output goes through files in {@code dir}, so a chatty command
     * never blocks on a full pipe.
     */
    public static Result run(List<String> command, Path dir, Duration timeout) {
        return run(command, dir, Map.of(), timeout);
    }

    /** {@link #run(List, Path, Duration)} with {@code env} added to the command's environment. */
    public static Result run(List<String> command, Path dir, Map<String, String> env, Duration timeout) {
        try {
            Path stdout = Files.createTempFile(dir, "run", ".out");
            Path stderr = Files.createTempFile(dir, "run", ".err");
            try {
                ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile())
                        .redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
                builder.environment().putAll(env);
                Process process = builder.start();
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    throw new AssertionError(String.join(" ", command) + " did not finish in " + timeout + "; stdout: "
                            + Files.readString(stdout) + "; stderr: " + Files.readString(stderr));
                }
                return new Result(process.exitValue(), Files.readString(stdout, StandardCharsets.UTF_8),
                        Files.readString(stderr, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(stdout);
                Files.deleteIfExists(stderr);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
