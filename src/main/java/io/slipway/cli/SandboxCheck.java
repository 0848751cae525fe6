package io.slipway.cli;

import io.slipway.runtime.process.ProcessSandboxRuntime;
import io.slipway.sandbox.Bubblewrap;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Proves at start that a sandbox can be created here, so that a broken set-up is reported once, clearly. */
final class SandboxCheck {
    private SandboxCheck() {
    }

    private static boolean onPath(String tool) {
        for (String dir : List.of("/usr/sbin", "/usr/bin", "/sbin", "/bin")) {
            if (java.nio.file.Files.isExecutable(java.nio.file.Path.of(dir, tool))) return true;
        }
        return false;
    }

    /** @return null when a sandbox works, else what is wrong and what to do */
    static String run(int uid) {
        List<String> command = Bubblewrap.asHostUid(uid).command(List.of("/usr/bin/true"));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "the sandbox check did not finish in 10 s";
            }
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (p.exitValue() == 0) {
                for (String tool : List.of("ip", "iptables", "ip6tables", "nsenter")) {
                    if (!onPath(tool)) {
                        return tool + " is not installed; sandboxes need it for their own network and its firewall: "
                                + "run 'apt-get install iproute2 iptables util-linux'";
                    }
                }
                if (ProcessSandboxRuntime.cgroupVersion() == null) {
                    return "no writable cgroup hierarchy under /sys/fs/cgroup, so apps' memory, processes and CPU cannot "
                            + "be limited; run Slipway as root on a machine with cgroups, or with --unsafe-no-sandbox at your own risk";
                }
                return null;
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
