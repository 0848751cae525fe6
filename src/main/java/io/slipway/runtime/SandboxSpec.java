package io.slipway.runtime;

import io.slipway.app.Language;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * What to run and how to confine it.
 *
 * @param appDir   the app's directory, holding {@code code/}; mounted read-only
 * @param entry    the file to run, relative to {@code code/}
 * @param depsDir  the app's dependency set, mounted read-only, or null
 * @param env      the app's own variables; the runtime adds {@code PORT}, {@code HOST} and {@code NODE_ENV}
 * @param hostUid  the unprivileged host uid the app runs as
 * @param logFile  where stdout and stderr are appended
 * @param limits   memory, processes and CPU the sandbox may use
 * @param internet whether the sandbox gets a route to the internet, beyond its own loopback
 */
public record SandboxSpec(String appId, Language language, Path appDir, String entry, Path depsDir,
                          Map<String, String> env, int hostUid, Path logFile, SandboxLimits limits,
                          boolean internet) {
    public SandboxSpec {
        Objects.requireNonNull(appId, "appId");
        Objects.requireNonNull(language, "language");
        Objects.requireNonNull(appDir, "appDir");
        Objects.requireNonNull(entry, "entry");
        env = Map.copyOf(env);
        Objects.requireNonNull(logFile, "logFile");
        Objects.requireNonNull(limits, "limits");
    }
}
