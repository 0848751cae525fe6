package io.slipway.build;

import io.slipway.app.Language;
import io.slipway.config.SlipwayConfig.BuildSettings;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Says why an install step failed in the user's terms, from what the step's log shows, in this order: a registry that
 * could not be reached (pip then also reports every package missing), a package or version the registry does not
 * have, a host the build tried that is not a registry. Packages are named by npm's and pip's own output ({@code
 * [build]} lines); hosts by the registry proxy's lines ({@code [slipway]}, which uploaded code cannot write: its output
 * is framed as {@code [build]}). Only the log from the step's first line on is read, so what earlier builds of the
 * same app logged does not count.
 */
final class InstallDiagnosis {
    /** How much of the log's end is read: the step's output after a refusal is short (pip's retries, npm's summary). */
    static final int SCAN_BYTES = 64 * 1024;
    // The start of a line of the log: its instant (which in-memory logs leave out), then who wrote it.
    private static final String OWN_LINE = "(?m)^(?:\\d\\S* )?\\[slipway\\] ";
    private static final String BUILD_LINE = "(?m)^(?:\\d\\S* )?\\[build\\] ";
    private static final Pattern UNREACHABLE = Pattern.compile(OWN_LINE + RegistryProxy.UNREACHABLE_NOTICE.pattern());
    private static final Pattern REFUSED = Pattern.compile(OWN_LINE + RegistryProxy.REFUSED_NOTICE.pattern());
    private static final Pattern PIP_NO_VERSION = Pattern.compile(BUILD_LINE
            + "ERROR: Could not find a version that satisfies the requirement (\\S+) \\(from versions: ([^)]*)\\)");
    private static final Pattern NPM_NOT_FOUND = Pattern.compile(BUILD_LINE + "npm (?:error|ERR!) 404 Not Found - GET (\\S+)");
    private static final Pattern NPM_NO_VERSION = Pattern.compile(BUILD_LINE
            + "npm (?:error|ERR!) notarget No matching version found for (\\S+?)\\.?$");
    private static final Pattern PIP_NAME = Pattern.compile("^[A-Za-z0-9._-]+");

    private final String onNpm;
    private final String onPip;

    /** Names the registries as the user knows them: npm and PyPI by default, else the configured hosts. */
    InstallDiagnosis(BuildSettings build) {
        this.onNpm = build.npmRegistry().isBlank() ? "on npm" : "on " + RegistryProxy.hostOf(build.npmRegistry());
        if (!build.pipIndexUrl().isBlank()) this.onPip = "on " + RegistryProxy.hostOf(build.pipIndexUrl());
        else this.onPip = build.pipOffline() ? "in build.pipFindLinks" : "on PyPI";
    }

    /**
     * The failure of a step whose description is {@code step}, said in the user's terms first when its log shows why,
     * followed by how the step ended; else how it ended alone.
     *
     * @param log     the end of the build's log, at most {@link #SCAN_BYTES}
     * @param failure how the step ended, as the runner said it ({@code pip install x failed with exit code 1})
     */
    String detail(Language language, String step, String log, String failure) {
        return explain(language, since(log, step)).map(why -> why + " (" + failure + ")").orElse(failure);
    }

    /** Why the install whose log is {@code log} failed, when the log shows it. */
    Optional<String> explain(Language language, String log) {
        List<String> unreachable = all(UNREACHABLE, log);
        if (!unreachable.isEmpty()) {
            return Optional.of((unreachable.size() == 1 ? "the package registry " : "the package registries ") + and(unreachable)
                    + " could not be reached from this Slipway: try again later, or ask the operator");
        }
        Optional<String> missing = language == Language.PYTHON ? missingOnPip(log) : missingOnNpm(log);
        if (missing.isPresent()) return missing;
        List<String> refused = all(REFUSED, log);
        if (refused.isEmpty()) return Optional.empty();
        return Optional.of(refused.size() == 1
                ? "the build tried to reach " + refused.getFirst() + ", which is not a package registry; an operator can allow it with build.allowedHosts"
                : "the build tried to reach " + and(refused) + ", which are not package registries; an operator can allow them with build.allowedHosts");
    }

    private Optional<String> missingOnPip(String log) {
        Matcher m = PIP_NO_VERSION.matcher(log);
        if (!m.find()) return Optional.empty();
        String requirement = m.group(1);
        Matcher name = PIP_NAME.matcher(requirement);
        String project = name.find() ? name.group() : requirement;
        if (m.group(2).isBlank() || m.group(2).equals("none")) return Optional.of(notThere(project, onPip));
        return Optional.of(noVersion(project, requirement, onPip));
    }

    private Optional<String> missingOnNpm(String log) {
        Matcher notFound = NPM_NOT_FOUND.matcher(log);
        if (notFound.find()) return Optional.of(notThere(npmPackage(notFound.group(1)), onNpm));
        Matcher noVersion = NPM_NO_VERSION.matcher(log);
        if (!noVersion.find()) return Optional.empty();
        String spec = noVersion.group(1);
        int at = spec.lastIndexOf('@');
        return Optional.of(noVersion(at > 0 ? spec.substring(0, at) : spec, spec, onNpm));
    }

    private static String notThere(String name, String where) {
        return name + " is not " + where + ": check the name in requirements";
    }

    private static String noVersion(String name, String requirement, String where) {
        return "no version of " + name + " " + where + " satisfies " + requirement + ": check the version in requirements";
    }

    /** The package of a registry URL: its last path segment, with the scope before it ({@code @scope/name}) when it has one. */
    static String npmPackage(String url) {
        String path = URLDecoder.decode(url.replaceFirst("^https?://[^/]+", "").replaceFirst("[?#].*$", ""), StandardCharsets.UTF_8);
        String[] segments = path.split("/");
        String last = segments.length == 0 ? path : segments[segments.length - 1];
        if (segments.length >= 2 && segments[segments.length - 2].startsWith("@")) return segments[segments.length - 2] + "/" + last;
        return last;
    }

    /**
     * The log from the last line saying that {@code step} starts ({@code [slipway] pip install x}, or {@code … (in
     * <image>)} where it runs in a container), or all of it when that line is no longer in it.
     */
    private static String since(String log, String step) {
        Matcher starts = Pattern.compile(OWN_LINE + Pattern.quote(step) + "(?: \\(in [^)\n]*\\))?$").matcher(log);
        int start = -1;
        while (starts.find()) start = starts.start();
        return start < 0 ? log : log.substring(start);
    }

    /** The first group of every match, each once, in the order they first appear. */
    private static List<String> all(Pattern pattern, String log) {
        Set<String> found = new LinkedHashSet<>();
        Matcher m = pattern.matcher(log);
        while (m.find()) found.add(m.group(1));
        return new ArrayList<>(found);
    }

    private static String and(List<String> items) {
        if (items.size() == 1) return items.getFirst();
        return String.join(", ", items.subList(0, items.size() - 1)) + " and " + items.getLast();
    }
}
