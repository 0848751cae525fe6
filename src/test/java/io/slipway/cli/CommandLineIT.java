package io.slipway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./slipway} as a user runs it: help and unknown commands behave as DESIGN §7 says.
 */
class CommandLineIT {
    @TempDir
    static Path work;

    /** What one run of {@code ./slipway} did. */
    record Run(int exit, String stdout, String stderr) {
        String lastLine() {
            List<String> lines = stdout.lines().toList();
            return lines.isEmpty() ? "" : lines.getLast();
        }
    }

    @Test
    void helpOfEachCommandExitsZero() throws Exception {
        Run up = slipway(Map.of(), "up", "--help");
        assertThat(up.exit()).as(up.stderr()).isZero();
        assertThat(up.stdout()).contains("--port", "--data", "--config", "--unsafe-no-sandbox");

        Run token = slipway(Map.of(), "token", "--help");
        assertThat(token.exit()).as(token.stderr()).isZero();
        assertThat(token.stdout()).contains("--user", "--data");
    }

    @Test
    void noCommandHelpAndDashDashHelpPrintUsageAndExitZero() throws Exception {
        for (List<String> args : List.of(List.<String>of(), List.of("help"), List.of("--help"))) {
            Run run = slipway(Map.of(), args.toArray(String[]::new));
            assertThat(run.exit()).as("./slipway %s", args).isZero();
            assertThat(run.stdout()).as("./slipway %s", args).contains("./slipway up", "./slipway token");
        }
    }

    @Test
    void anUnknownCommandPrintsUsageOnStderrAndExitsTwo() throws Exception {
        Run run = slipway(Map.of(), "nonsense");

        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.stdout()).isEmpty();
        assertThat(run.stderr()).contains("unknown command 'nonsense'", "./slipway up", "./slipway token");
    }

    /** Runs {@code ./slipway args} with only {@code env}'s {@code SLIPWAY_*} variables (and the built jar), to its end. */
    private static Run slipway(Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("./slipway"));
        command.addAll(List.of(args));
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
    }
}
