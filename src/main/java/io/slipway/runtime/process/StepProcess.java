package io.slipway.runtime.process;

import io.slipway.logs.LogSink;
import io.slipway.logs.LogSource;
import io.slipway.runtime.BuildStep;
import io.slipway.runtime.BuildStepFailedException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs one build step's process, never through a shell of the user's: bounded in time, confined to its control groups
 * when it has them, with its output framed into the build's log as {@code [build]} lines (rotated at the log's cap, like
 * an app's).
 */
final class StepProcess {
    private StepProcess() {
    }

    /**
     * @param command  what to run: the step's own command, or that command wrapped in a sandbox
     * @param env      the environment of {@code command} itself
     * @param cgroup   the step's limits, joined before the command's first instruction and removed when it ends; null
     *                 for a step that runs unconfined
     * @throws BuildStepFailedException when the step exits non-zero or outlives its timeout (it is then killed)
     */
    static void run(BuildStep buildStep, List<String> command, Map<String, String> env, Cgroup cgroup) {
        String step = buildStep.description();
        LogSink log = buildStep.log();
        Duration timeout = buildStep.timeout();
        Path cwd = buildStep.workDir();
        log.event(step);
        ProcessBuilder pb = new ProcessBuilder(cgroup == null ? command : cgroup.launch("", command)).directory(cwd.toFile())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.PIPE);
        pb.environment().clear();
        pb.environment().putAll(env);
        try {
            Process process;
            try {
                process = pb.start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot run " + command.getFirst(), e);
            }
            Thread output = log.pump(process.getInputStream(), LogSource.BUILD);
            boolean finished = awaitExit(process, timeout, step);
            // Every line the step wrote is in the log before Slipway says how it ended.
            joinQuietly(output);
            if (!finished) {
                log.event(step + " timed out after " + timeout);
                throw new BuildStepFailedException(step + " timed out after " + timeout);
            }
            if (process.exitValue() != 0) {
                String why = step + " failed with exit code " + process.exitValue()
                        + (cgroup != null && cgroup.oomKilled() ? "; it ran out of memory (build.memory)" : "");
                log.event(why);
                throw new BuildStepFailedException(why);
            }
        } finally {
            if (cgroup != null) cgroup.remove();
        }
    }

    /** Waits for the step; kills it and every process it started when the time is up (false) or the wait is interrupted. */
    private static boolean awaitExit(Process process, Duration timeout, String step) {
        try {
            if (process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) return true;
            kill(process);
            return false;
        } catch (InterruptedException e) {
            kill(process);
            Thread.currentThread().interrupt();
            throw new BuildStepFailedException(step + " was interrupted");
        }
    }

    private static void kill(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    /** The pump ends when the last process holding the output has gone, which a killed sandbox's do at once. */
    private static void joinQuietly(Thread output) {
        try {
            output.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
