package io.slipway.runtime;

import java.time.Instant;
import java.util.Objects;

/**
 * The app's process was restarted under Slipway, its sandbox staying (a pod's container, restarted by its kubelet): the
 * process that ran is gone and a new one runs in its place, not ready until it answers again.
 *
 * @param count    how many times this sandbox's app has been restarted so far, this one included (1 for the first)
 * @param previous how the process that ran ended
 * @param at       when the runtime saw the new process start
 */
public record SandboxRestart(int count, SandboxExit previous, Instant at) {
    public SandboxRestart {
        if (count < 1) throw new IllegalArgumentException("a restart's count starts at 1, not " + count);
        Objects.requireNonNull(previous, "previous");
        Objects.requireNonNull(at, "at");
    }
}
