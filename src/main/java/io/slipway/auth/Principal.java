package io.slipway.auth;

import java.util.Objects;

/** The verified caller: the token's {@code sub}, its {@code plan} claim when it has one, and whether it is an admin. */
public record Principal(String user, String plan, boolean admin) {
    public Principal {
        Objects.requireNonNull(user, "user");
    }
}
