package io.slipway.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a test's client command (node, curl) to its end, with a deadline. */
public final class Commands {
    private Commands() {
    }

    /** How a command ended: its exit code and everything it wrote to stdout and stderr. */
    public record Result(int exitCode, String stdout, String stderr) {
    }

    /**
     * Runs {@code command} in {@code dir} and waits for it to exit, at most {@code timeout}; past it, the command is
     * killed and the test fails with what it wrote. Its output goes through files in {@code dir}, so a chatty command
     * never blocks on a full pipe.
     */
    public static Result run(List<String> command, Path dir, Duration timeout) {
        try {
            Path stdout = Files.createTempFile(dir, "run", ".out");
            Path stderr = Files.createTempFile(dir, "run", ".err");
            try {
                Process process = new ProcessBuilder(command).directory(dir.toFile())
                        .redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
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
