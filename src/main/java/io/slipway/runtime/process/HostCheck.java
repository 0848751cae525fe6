package io.slipway.runtime.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Proves before Slipway starts that a sandbox can be created on this host (a real bubblewrap run as {@code uid}, then
 * the runtime's {@link ProcessSandboxRuntime#hostProblems() host checks}), so that a broken set-up is reported once,
 * clearly, before anything else is set up.
 */
public final class HostCheck {
    private HostCheck() {
    }

    /** @return null when a sandbox works, else what is wrong and what to do */
    public static String run(int uid) {
        List<String> command = Bubblewrap.asHostUid(uid).command(List.of("/usr/bin/true"));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "the sandbox check did not finish in 10 s";
            }
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (p.exitValue() == 0) {
                // The rest a sandbox needs (its network's tools, cgroups), as the runtime's own preflight sees it.
                List<String> missing = ProcessSandboxRuntime.hostProblems();
                return missing.isEmpty() ? null : missing.getFirst() + " (or run with --unsafe-no-sandbox at your own risk)";
            }
            return "cannot create a sandbox (" + output + "). Install bubblewrap and util-linux "
                    + "(apt-get install bubblewrap util-linux), make sure unprivileged user namespaces are enabled, "
                    + "or run with --unsafe-no-sandbox at your own risk";
        } catch (IOException e) {
            return "bubblewrap is not installed (" + e.getMessage() + "): run 'apt-get install bubblewrap', "
                    + "or start with --unsafe-no-sandbox at your own risk";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }
}
