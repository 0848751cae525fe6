package io.slipway.build;

import io.slipway.logs.LogFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs one build step with its output appended to a log, bounded in time; never through a shell. */
final class BuildCommand {
    private BuildCommand() {
    }

    /** @throws BuildFailedException when the step exits non-zero or outlives {@code timeout} (it is then killed) */
    static void run(String step, List<String> command, Path cwd, Map<String, String> env, Path log, Duration timeout) {
        LogFiles.append(log, "[slipway] " + step);
        ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().clear();
        pb.environment().putAll(env);
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command.getFirst(), e);
        }
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                LogFiles.append(log, "[slipway] " + step + " timed out after " + timeout);
                throw new BuildFailedException(step + " timed out after " + timeout, LogFiles.tail(log));
            }
        } catch (InterruptedException e) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new BuildFailedException(step + " was interrupted", LogFiles.tail(log));
        }
        if (process.exitValue() != 0) {
            LogFiles.append(log, "[slipway] " + step + " failed with exit code " + process.exitValue());
            throw new BuildFailedException(step + " failed with exit code " + process.exitValue(), LogFiles.tail(log));
        }
    }
}
