package io.slipway.auth;

import java.util.Objects;

/** The verified caller: the token's {@code sub}, and its {@code plan} claim when it has one. */
public record Principal(String user, String plan) {
    public Principal {
        Objects.requireNonNull(user, "user");
    }
}
