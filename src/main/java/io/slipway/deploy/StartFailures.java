package io.slipway.deploy;

import io.slipway.app.SlipwayError;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Why a freshly deployed app could not start, said to the user who deployed it ({@code 422 start-failed}): the reason
 * the lifecycle gave (it exited, listens elsewhere, never answered) and, when its log shows the usual mistake, what to
 * do about it: a package imported but not in {@code requirements}.
 */
final class StartFailures {
    /** Node, ESM ({@code Cannot find package 'x' imported from …}) and CommonJS ({@code Cannot find module 'x'}). */
    private static final Pattern NODE_MISSING = Pattern.compile("Cannot find (?:package|module) '([^'\\s]+)'");
    private static final Pattern PYTHON_MISSING = Pattern.compile("ModuleNotFoundError: No module named '([A-Za-z0-9_.]+)'");

    private StartFailures() {
    }

    /** The problem a deploy answers with when its app did not start. */
    static SlipwayError of(SlipwayError why) {
        return startFailed("the app was built but did not start: ", why);
    }

    private static SlipwayError startFailed(String what, SlipwayError why) {
        String tail = why.logTail() == null ? "" : why.logTail();
        String detail = why.detail() + hint(tail).map(h -> "; " + h).orElse("");
        return new SlipwayError(SlipwayError.Kind.UNPROCESSABLE, "start-failed", what + detail, null, why.logTail());
    }

    /**
     * The problem a redeploy answers with when its new version did not start ({@code start-failed}), or found no slot to
     * start in beside the version serving ({@code capacity}): either way that version serves on, unchanged.
     */
    static SlipwayError ofRedeploy(SlipwayError why) {
        if ("capacity".equals(why.slug())) {
            return new SlipwayError(SlipwayError.Kind.UNAVAILABLE, "capacity", "no slot is free to start the new version beside the one serving ("
                    + why.detail() + "); the version serving is unchanged: try again shortly", why.retryAfter(), null);
        }
        if (!"app-failed".equals(why.slug())) return why;
        return startFailed("the new version was built but did not start, so the version serving is unchanged: ", why);
    }

    /** What to do, when the log names a package the app imports that is not installed. */
    static Optional<String> hint(String logTail) {
        Matcher node = NODE_MISSING.matcher(logTail);
        if (node.find() && !node.group(1).startsWith(".") && !node.group(1).startsWith("/") && !node.group(1).startsWith("node:")) {
            String pkg = nodePackage(node.group(1));
            return Optional.of("it imports '" + node.group(1) + "', which is not installed: add " + pkg + " to requirements");
        }
        Matcher python = PYTHON_MISSING.matcher(logTail);
        if (python.find()) {
            String module = python.group(1).split("\\.")[0];
            return Optional.of("it imports " + module + ", which is not installed: add the package that provides it to requirements (usually "
                    + module + "; some differ, e.g. PIL is pillow, yaml is pyyaml)");
        }
        return Optional.empty();
    }

    /** The package a bare import names: {@code lodash/fp} is lodash's, {@code @scope/name/sub} is {@code @scope/name}. */
    private static String nodePackage(String specifier) {
        String[] parts = specifier.split("/");
        return specifier.startsWith("@") && parts.length > 1 ? parts[0] + "/" + parts[1] : parts[0];
    }
}
