package io.slipway.runtime;

import java.util.List;

/**
 * What a runtime's {@link SandboxRuntime#check() preflight} found wrong with its host, each problem in words an operator
 * can act on (what is missing, and what to do). None means the runtime can start sandboxes with every guarantee it gives.
 */
public record Preflight(List<String> problems) {
    public Preflight {
        problems = List.copyOf(problems);
    }

    public static Preflight passed() {
        return new Preflight(List.of());
    }

    public boolean ok() {
        return problems.isEmpty();
    }
}
