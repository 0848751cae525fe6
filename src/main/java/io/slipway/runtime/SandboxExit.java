package io.slipway.runtime;

/**
 * How a sandbox ended. {@code exitCode} follows the shell's convention: 128 + N for death by signal N (137 is
 * SIGKILL, which is also how the kernel's OOM killer ends a process).
 */
public record SandboxExit(int exitCode) {
    public String describe() {
        if (exitCode > 128 && exitCode < 160) return "killed by signal " + (exitCode - 128) + " (exit code " + exitCode + ")";
        return "exited with code " + exitCode;
    }
}
