package io.slipway.deploy;

import io.slipway.app.SlipwayError;
import io.slipway.runtime.process.UidClaims;
import java.util.Set;

/**
 * Hands each app a host uid of its own from {@code [base, base + count)}, so that no app can read another's files, and
 * none that another Slipway on the machine holds ({@link UidClaims}). A uid is free again once its app is deleted.
 */
public final class SandboxUids {
    private final int base;
    private final int count;
    private final UidClaims claims;

    /** @param claims the machine's claims; null where sandboxes do not run as uids of their own (no sandbox) */
    public SandboxUids(int base, int count, UidClaims claims) {
        this.base = base;
        this.count = count;
        this.claims = claims;
    }

    /** The lowest uid of the range that {@code taken} (this Slipway's apps) does not hold and that {@code appId} could claim. */
    public int claimNext(Set<Integer> taken, String appId) {
        for (int uid = base; uid < base + count; uid++) {
            if (!taken.contains(uid) && (claims == null || claims.claim(uid, appId))) return uid;
        }
        throw new SlipwayError(SlipwayError.Kind.UNAVAILABLE, "no-free-uid",
                "all " + count + " sandbox uids are in use; an operator can raise sandbox.uidCount");
    }

    /** Claims an app's stored uid again (at start): false when another Slipway holds it, and the app must move. */
    public boolean reclaim(int uid, String appId) {
        return claims == null || claims.claim(uid, appId);
    }

    public void release(int uid) {
        if (claims != null) claims.release(uid);
    }

    /**
     * The uid this Slipway's builds run as: {@code preferred} ({@code sandbox.uidBase - 1}) unless another Slipway's
     * builds run as it, else the highest uid of the range that neither {@code taken} holds nor another claims.
     */
    public int claimBuildUid(int preferred, Set<Integer> taken) {
        if (claims == null || claims.claim(preferred, UidClaims.BUILD)) return preferred;
        for (int uid = base + count - 1; uid >= base; uid--) {
            if (!taken.contains(uid) && claims.claim(uid, UidClaims.BUILD)) return uid;
        }
        throw new IllegalStateException("no sandbox uid is free for builds in [" + base + ", " + (base + count) + ")");
    }
}
