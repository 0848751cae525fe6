package io.slipway.auth;

import java.util.Objects;

/**
 * The verified caller: the token's {@code sub}, its {@code plan} claim when it has one (null: the default plan), and
 * whether it is an admin (the token says {@code "admin": true}, or its {@code sub} is listed in {@code auth.admins}).
 */
public record Principal(String user, String plan, boolean admin) {
    public Principal {
        Objects.requireNonNull(user, "user");
    }

    public Principal asAdmin() {
        return admin ? this : new Principal(user, plan, true);
    }
}
