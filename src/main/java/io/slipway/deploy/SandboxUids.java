package io.slipway.deploy;

import io.slipway.http.Problem;
import io.slipway.http.ProblemException;
import java.util.Set;

/**
 * Hands each app a host uid of its own from {@code [base, base + count)}, so that no app can read another's files.
 * A uid is free again once its app is deleted.
 */
public record SandboxUids(int base, int count) {
    /** The lowest uid of the range that {@code taken} does not hold. */
    public int next(Set<Integer> taken) {
        for (int uid = base; uid < base + count; uid++) {
            if (!taken.contains(uid)) return uid;
        }
        throw new ProblemException(Problem.of(503, "no-free-uid", "Service Unavailable",
                "all " + count + " sandbox uids are in use; an operator can raise sandbox.uidCount"));
    }
}
