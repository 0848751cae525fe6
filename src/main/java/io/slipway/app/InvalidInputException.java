package io.slipway.app;

/**
 * Input a user sent that Slipway refuses. {@link #slug()} is the stable problem type (e.g. {@code invalid-requirements})
 * and the message says exactly what was wrong; both are safe to return to the caller.
 */
public final class InvalidInputException extends RuntimeException {
    private final String slug;

    public InvalidInputException(String slug, String message) {
        super(message);
        this.slug = slug;
    }

    public String slug() {
        return slug;
    }
}
