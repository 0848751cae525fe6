package io.slipway.runtime;

import java.util.Objects;
import java.util.Optional;

/**
 * How a sandbox ended. {@code exitCode} follows the shell's convention: 128 + N for death by signal N (137 is
 * SIGKILL). {@code outOfMemory} is true when the kernel killed it for exceeding its memory limit. {@code cause} says
 * what ended it from outside, where the runtime knows and it was neither the app's own doing nor Slipway's
 * {@link Sandbox#stop}: its engine restarted or stopped its container, say; empty otherwise.
 */
public record SandboxExit(int exitCode, boolean outOfMemory, Optional<String> cause) {
    public SandboxExit {
        Objects.requireNonNull(cause, "cause");
    }

    public SandboxExit(int exitCode, boolean outOfMemory) {
        this(exitCode, outOfMemory, Optional.empty());
    }

    public SandboxExit(int exitCode) {
        this(exitCode, false);
    }

    /** How the process ended, as "exited with code 3": its cause is not said. */
    public String describe() {
        if (outOfMemory) return "was killed for exceeding its memory limit (out-of-memory, exit code " + exitCode + ")";
        if (exitCode > 128 && exitCode < 160) return "was killed by signal " + (exitCode - 128) + " (exit code " + exitCode + ")";
        return "exited with code " + exitCode;
    }

    /**
     * Why an app is down, for its owner: "the app exited with code 3 {@code when}", led by {@code out-of-memory: } when it
     * was, and followed by the cause where one is known.
     *
     * @param when where in its life the app ended, as "while running"
     */
    public String reason(String when) {
        return (outOfMemory ? "out-of-memory: " : "") + "the app " + describe() + " " + when + cause.map(c -> ": " + c).orElse("");
    }
}
