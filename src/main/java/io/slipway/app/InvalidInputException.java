package io.slipway.app;

/**
 * Input a user sent that Slipway refuses: a {@link SlipwayError} of kind {@link SlipwayError.Kind#INVALID_INPUT}, or
 * {@link SlipwayError.Kind#TOO_LARGE} for input past a size limit. {@link #slug()} is the stable problem type (e.g.
 * {@code invalid-requirements}) and the message says exactly what was wrong; both are safe to return to the caller.
 */
public final class InvalidInputException extends SlipwayError {
    public InvalidInputException(String slug, String message) {
        this(Kind.INVALID_INPUT, slug, message);
    }

    private InvalidInputException(Kind kind, String slug, String message) {
        super(kind, slug, message);
    }

    /** Input larger than a limit allows (a file, say): the message names the size and the limit. */
    public static InvalidInputException tooLarge(String slug, String message) {
        return new InvalidInputException(Kind.TOO_LARGE, slug, message);
    }
}
