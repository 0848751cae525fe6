package io.slipway.runtime;

import io.slipway.app.Language;
import java.nio.file.Path;

/**
 * Runs the steps of builds (package installs, transpiling) where apps will run, confined as the runtime confines them:
 * install scripts of packages are uploaded code too. Blocking; thread-safe.
 */
public interface BuildRunner {
    /**
     * Where the steps for {@code language}'s apps run, and with what they install packages there. Asked once per
     * dependency set, before its steps run.
     */
    BuildEnvironment environment(Language language);

    /**
     * Runs the step to its end. Everything it wrote to its output is in its log when this returns or throws.
     *
     * @throws BuildStepFailedException when it exits non-zero, runs out of its limits, or outlives its timeout (it is
     *     then killed), saying which
     */
    void run(BuildStep step);

    /**
     * A finished layer that every sandbox may read and none may change (a dependency set, a pinned tool): its files
     * get the owner and modes that say so on this host.
     */
    void sealShared(Path layer);

    /**
     * A finished layer of one app (its code): nobody may change it, and only what the runtime later hands it to (the
     * app's sandbox) may read it.
     */
    void sealPrivate(Path layer);

    /**
     * Kills every step still running for this Slipway, or left running by an earlier run of it: at shutdown nothing may
     * outlive Slipway, and at start what an earlier run left is useless. Returns how many were killed.
     *
     * @param why what Slipway's log says of them ("still building at shutdown")
     */
    int stopAll(String why);
}
