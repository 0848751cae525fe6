package io.slipway.auth;

/** What a credential sent to an app proved: nothing, the right to call one app (an API key), or a user (a token). */
public sealed interface Caller {
    Caller NOBODY = new Nobody();

    /** Whether the credential is one of Slipway's own, which are never forwarded to an app. */
    default boolean isSlipways() {
        return !(this instanceof Nobody);
    }

    /** Whether the credential opens the private app {@code appId} of {@code owner}. */
    boolean mayCall(String appId, String owner);

    /** No credential, or one that is not Slipway's: an app's own, a revoked key, an invalid token. */
    record Nobody() implements Caller {
        @Override
        public boolean mayCall(String appId, String owner) {
            return false;
        }
    }

    /** The holder of an API key of one app. */
    record KeyHolder(String appId) implements Caller {
        @Override
        public boolean mayCall(String app, String owner) {
            return appId.equals(app);
        }
    }

    /** A user, by a valid token. */
    record User(Principal principal) implements Caller {
        @Override
        public boolean mayCall(String appId, String owner) {
            return principal.user().equals(owner);
        }
    }
}
