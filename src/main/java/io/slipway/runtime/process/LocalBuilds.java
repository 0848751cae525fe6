package io.slipway.runtime.process;

import io.slipway.runtime.BuildRunner;
import java.nio.file.Path;

/**
 * What build runners on this host share, sandboxed or not: layers are sealed by owner and mode, and steps are found by
 * the data dir's label to be stopped.
 */
abstract sealed class LocalBuilds implements BuildRunner permits BubblewrapBuilds, HostBuilds {
    /** The data dir's {@link io.slipway.sandbox.SandboxLabel}, which every step carries. */
    final String label;

    LocalBuilds(String label) {
        this.label = label;
    }

    /** Root's, readable by every uid, writable by none else. */
    @Override
    public final void sealShared(Path layer) {
        Ownership.giveTree(layer, 0, "rwxr-xr-x", "rw-r--r--");
    }

    /** Root's; others may pass through its directories (x), to the code that their runtime hands them, never list them. */
    @Override
    public final void sealPrivate(Path layer) {
        Ownership.giveTree(layer, 0, "rwx--x--x", "rw-------");
    }

    @Override
    public int stopAll(String why) {
        return BuildProcesses.kill(label, why);
    }
}
