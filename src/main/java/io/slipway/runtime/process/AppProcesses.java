package io.slipway.runtime.process;

import io.slipway.logs.LogSource;
import io.slipway.runtime.SandboxSpec;
import io.slipway.sandbox.SandboxLabel;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/** What every app process of this host gets, sandboxed or not: its environment, its label and its log. */
final class AppProcesses {
    private AppProcesses() {
    }

    /** The app's own variables and the documented ones (DESIGN §3): {@code PORT}, {@code HOST}, {@code NODE_ENV}. */
    static Map<String, String> environment(SandboxSpec spec, String host, int port) {
        Map<String, String> env = new LinkedHashMap<>(spec.env());
        env.put("PORT", Integer.toString(port));
        env.put("HOST", host);
        env.put("NODE_ENV", "production");
        env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
        env.put("HOME", "/tmp");
        env.put("PYTHONUNBUFFERED", "1");
        return env;
    }

    /**
     * Starts the process labelled with the app under the data dir's {@code label} (what a later run reaps it by), its
     * stdout and stderr pumped into the spec's log.
     */
    static Process launch(ProcessBuilder pb, SandboxSpec spec, String label) throws IOException {
        pb.environment().put(SandboxLabel.VARIABLE, SandboxLabel.value(label, spec.appId()));
        // Through a pipe, not straight into a file: the log is rotated at sandbox.logSize however fast the app writes.
        Process process = pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.PIPE).start();
        spec.log().pump(process.getInputStream(), LogSource.APP);
        return process;
    }
}
