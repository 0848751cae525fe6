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
        return run(work, null, "", env, args);
    }

    /**
     * {@link #run(Path, Map, String...)} from {@code directory} (null: this process's; a user runs {@code ./slipway} from
     * elsewhere, with paths relative to there), with {@code stdin} as its standard input.
     */
    public static Run run(Path work, Path directory, String stdin, Map<String, String> env, String... args) {
        try {
            Path out = Files.createTempFile(work, "stdout", ".txt");
            Path err = Files.createTempFile(work, "stderr", ".txt");
            Path in = Files.writeString(Files.createTempFile(work, "stdin", ".txt"), stdin);
            ProcessBuilder pb = builder(env, args).redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(in.toFile());
            if (directory != null) pb.directory(directory.toFile());
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

    /**
     * {@code ./slipway args} (the checkout's, by its absolute path) with {@code env}, only the {@code SLIPWAY_*} variables
     * given, and the built jar: for a run that the test starts and watches itself ({@code logs -f}).
     */
    public static ProcessBuilder builder(Map<String, String> env, String... args) {
        List<String> command = new ArrayList<>(List.of(Path.of("slipway").toAbsolutePath().toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().keySet().removeIf(name -> name.startsWith("SLIPWAY_"));
        // The jar this build made: ./slipway would rebuild a jar older than the sources, under the running tests' feet.
        pb.environment().put("SLIPWAY_JAR", System.getProperty("slipway.jar", Path.of("target/slipway.jar").toAbsolutePath().toString()));
        pb.environment().putAll(env);
        return pb;
    }
}
