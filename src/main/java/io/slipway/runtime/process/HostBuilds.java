package io.slipway.runtime.process;

import io.slipway.runtime.BuildStep;
import io.slipway.sandbox.HostTools;
import io.slipway.sandbox.SandboxLabel;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code --unsafe-no-sandbox}: build steps run as plain child processes, with Slipway's rights and network. Labelled
 * like sandboxed builds, so that they are stopped alike.
 */
public final class HostBuilds extends LocalBuilds {
    private final Path npmCache;

    /**
     * @param npmCache the host directory npm caches into; root-owned entries there would make later sandboxed
     *                 installs (as the build uid) fail, so give it a directory of its own
     */
    public HostBuilds(String label, HostTools tools, Path npmCache) {
        super(label, tools);
        this.npmCache = npmCache;
    }

    @Override
    public void run(BuildStep step) {
        Map<String, String> env = new LinkedHashMap<>(step.env());
        env.put("npm_config_cache", npmCache.toString());
        env.put(SandboxLabel.VARIABLE, SandboxLabel.value(label, SandboxLabel.BUILD));
        StepProcess.run(step, step.command(), env, null);
    }

}
