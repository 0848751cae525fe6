package io.slipway.cli.client;

/**
 * What a failed call to the API said: its status and RFC 9457 problem ({@code title}, {@code detail}, the slug of its
 * {@code type}), or, for an answer that was no problem document, the status and the start of its body. Exits 1.
 */
public final class ApiProblem extends RuntimeException {
    private final int status;
    private final String title;
    private final String detail;
    private final String slug;

    public ApiProblem(int status, String title, String detail, String slug) {
        super(detail);
        this.status = status;
        this.title = title;
        this.detail = detail;
        this.slug = slug;
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }

    public String detail() {
        return detail;
    }

    public String slug() {
        return slug;
    }

    /**
     * True when the server has no such route at all (405, or the router's own 404 "is not part of the API"), as opposed
     * to a route that exists answering 404 for an unknown app: the server predates the feature.
     */
    public boolean routeMissing() {
        return status == 405 || status == 404 && detail != null && detail.endsWith("is not part of the API");
    }

    /** One line for stderr: the detail, then the status and title, e.g. {@code you have no app with id 'x' (404 Not Found)}. */
    public String describe() {
        String head = detail == null || detail.isBlank() ? (title == null ? "the server answered " + status : title) : detail;
        return head + " (" + status + (title == null || title.isBlank() ? "" : " " + title) + ")";
    }
}
