package io.slipway.runtime.process;

import io.slipway.app.Language;
import io.slipway.runtime.BuildEnvironment;
import io.slipway.runtime.BuildRunner;
import io.slipway.sandbox.HostTools;
import java.nio.file.Path;

/**
 * What build runners on this host share, sandboxed or not: steps install with the host's own {@code npm} and {@code
 * python3}, layers are sealed by owner and mode, and steps are found by the data dir's label to be stopped.
 */
abstract sealed class LocalBuilds implements BuildRunner permits BubblewrapBuilds, HostBuilds {
    /** The data dir's {@link io.slipway.sandbox.SandboxLabel}, which every step carries. */
    final String label;
    private final HostTools tools;

    LocalBuilds(String label, HostTools tools) {
        this.label = label;
        this.tools = tools;
    }

    @Override
    public final BuildEnvironment environment(Language language) {
        return BuildEnvironment.host(switch (language) {
            case NODE -> tools.npm();
            case PYTHON -> tools.python();
        });
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
