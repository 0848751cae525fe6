package io.slipway.runtime;

/**
 * Runs the steps of builds (package installs, transpiling) where apps will run, confined as the runtime confines them:
 * install scripts of packages are uploaded code too. Blocking; thread-safe.
 */
public interface BuildRunner {
    /**
     * Runs the step to its end. Everything it wrote to its output is in its log when this returns or throws.
     *
     * @throws BuildStepFailedException when it exits non-zero, runs out of its limits, or outlives its timeout (it is
     *     then killed), saying which
     */
    void run(BuildStep step);

    /**
     * Kills every step still running for this Slipway, or left running by an earlier run of it: at shutdown nothing may
     * outlive Slipway, and at start what an earlier run left is useless. Returns how many were killed.
     *
     * @param why what Slipway's log says of them ("still building at shutdown")
     */
    int stopAll(String why);
}
