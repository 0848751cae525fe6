package io.slipway.runtime.host;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the host's network tools ({@code ip}, {@code iptables}, {@code nsenter}) for the sandboxes' network, never
 * through a shell of the host's and never with user input: every argument is Slipway's own. Each command has 10 s.
 */
final class HostCommands {
    private HostCommands() {
    }

    /** Runs the command; throws, with its output, when it fails. */
    static void run(String... command) {
        feed(null, command);
    }

    /** Runs the command with {@code input} (or nothing, when null) on its standard input; throws when it fails. */
    static void feed(String input, String... command) {
        List<String> output = new ArrayList<>();
        if (!exec(output, input, command)) {
            throw new IllegalStateException("'" + String.join(" ", command) + "' failed: " + String.join(" ", output));
        }
    }

    /** Runs the command and returns its output (stdout and stderr), or null when it failed. */
    static String output(String... command) {
        List<String> output = new ArrayList<>();
        return exec(output, null, command) ? output.getFirst() : null;
    }

    /** Runs the command; whether it succeeded. For clean-up, where "already gone" is as good as done. */
    static boolean runQuietly(String... command) {
        return exec(new ArrayList<>(), null, command);
    }

    private static boolean exec(List<String> output, String input, String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            try (var stdin = p.getOutputStream()) {
                if (input != null) stdin.write(input.getBytes(StandardCharsets.UTF_8));
            }
            output.add(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim());
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return false;
            }
            return p.exitValue() == 0;
        } catch (IOException e) {
            output.add(e.getMessage());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
