package io.slipway.runtime.process;

import io.slipway.sandbox.SandboxLabel;

/**
 * The package installs that run as processes on this host (under bubblewrap, or bare without the sandbox), labelled
 * {@code SLIPWAY_SANDBOX=<label>:build}: whichever runtime runs the apps, these are found and killed by their label.
 */
public final class BuildProcesses {
    private BuildProcesses() {
    }

    /**
     * Kills the installs still running for the data dir of {@code label} (an upload's, or the esbuild install that
     * starts with Slipway): at shutdown nothing may outlive Slipway, and at start what an earlier run left is useless.
     * Returns how many were killed.
     *
     * @param why what the log says of them ("still building at shutdown")
     */
    public static int kill(String label, String why) {
        String build = SandboxLabel.VARIABLE + "=" + SandboxLabel.value(label, SandboxLabel.BUILD);
        return LabelledProcesses.kill(label, build::equals, why);
    }
}
