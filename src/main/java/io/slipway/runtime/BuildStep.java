package io.slipway.runtime;

import io.slipway.app.Language;
import io.slipway.logs.LogSink;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One step of a build: a command run to its end, writing into its work directory, its output framed into the build's
 * log as {@code [build]} lines. A {@link BuildRunner} decides how the step is confined.
 *
 * @param description what the log says the step is ({@code npm install express cors})
 * @param language    whose apps the step builds for: a runner whose apps run in an image of their language runs the step
 *                    in that image, so that what it installs fits the interpreter that will load it
 * @param command     the program and its arguments, never through a shell
 * @param workDir     the only directory the step may write; it keeps its path inside any sandbox, so that paths tools
 *                    record in their output (a venv's scripts) stay true
 * @param env         the step's whole environment (nothing is inherited)
 * @param readOnly    more directories the step may read (a directory of wheels, say)
 * @param trusted     a tool Slipway itself pinned and installed (esbuild), which reads an uploaded file but runs no
 *                    uploaded code: it runs without a sandbox and without the registries' network
 * @param log         the build's log (the app's), which frames the step's output as {@code [build]} lines
 * @param timeout     past it the step is killed and fails
 */
public record BuildStep(String description, Language language, List<String> command, Path workDir, Map<String, String> env, List<Path> readOnly,
                        boolean trusted, LogSink log, Duration timeout) {
    public BuildStep {
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(language, "language");
        command = List.copyOf(command);
        if (command.isEmpty()) throw new IllegalArgumentException("a build step needs a command");
        Objects.requireNonNull(workDir, "workDir");
        env = Map.copyOf(env);
        readOnly = List.copyOf(readOnly);
        Objects.requireNonNull(log, "log");
        Objects.requireNonNull(timeout, "timeout");
    }
}
