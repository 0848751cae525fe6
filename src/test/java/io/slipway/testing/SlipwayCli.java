package io.slipway.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** {@code ./slipway} run as a user runs it, with only the {@code SLIPWAY_*} variables a test gives, to its end. */
public final class SlipwayCli {
    private SlipwayCli() {
    }

    /** What one run of {@code ./slipway} did. */
    public record Run(int exit, String stdout, String stderr) {
        /** Its stdout's last line: where {@code token} prints the token. */
        public String lastLine() {
            List<String> lines = stdout.lines().toList();
            return lines.isEmpty() ? "" : lines.getLast();
        }
    }

    /**
     * Runs {@code ./slipway args} with {@code env} (and the built jar, never rebuilt), its output kept in files of
     * {@code work}; fails the test when it takes over 120 s.
     */
    public static Run run(Path work, Map<String, String> env, String... args) {
        List<String> command = new ArrayList<>(List.of("./slipway"));
        command.addAll(List.of(args));
        try {
            Path out = Files.createTempFile(work, "stdout", ".txt");
            Path err = Files.createTempFile(work, "stderr", ".txt");
            ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.environment().keySet().removeIf(name -> name.startsWith("SLIPWAY_"));
            // The jar this build made: ./slipway would rebuild a jar older than the sources, under the running tests' feet.
            pb.environment().put("SLIPWAY_JAR", System.getProperty("slipway.jar", Path.of("target/slipway.jar").toAbsolutePath().toString()));
            pb.environment().putAll(env);
            Process process = pb.start();
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("./slipway " + String.join(" ", args) + " did not end in 120 s");
            }
            return new Run(process.exitValue(), Files.readString(out), Files.readString(err));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
