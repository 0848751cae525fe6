package io.slipway.runtime;

import java.util.LinkedHashMap;
import java.util.Map;
import io.slipway.logs.LogSink;
import java.util.Objects;

/**
 * What to run and how to confine it, in terms every runtime understands: no host path and no host uid, which belong to
 * the process runtime alone.
 *
 * @param artifact what to run: code and dependency layers, by digest
 * @param env      the app's own variables and its {@code PUBLIC_URL}; the runtime adds {@code PORT}, {@code HOST} and {@code NODE_ENV}
 * @param limits   memory, processes and CPU the sandbox may use
 * @param network  what the sandbox's network may reach
 * @param labels   what the sandbox is tagged with, where the runtime can tag (container labels, say); always holds
 *                 {@value #APP_LABEL}{@code =<appId>}, by which a later run finds what this one left
 * @param log      where the app's output goes
 */
public record SandboxSpec(String appId, Artifact artifact, Map<String, String> env, SandboxLimits limits,
                          NetworkPolicy network, Map<String, String> labels, LogSink log) {
    public static final String APP_LABEL = "io.slipway.app";
    /** The user who owns the app, among the labels Slipway gives every sandbox. */
    public static final String USER_LABEL = "io.slipway.user";

    public SandboxSpec {
        Objects.requireNonNull(appId, "appId");
        Objects.requireNonNull(artifact, "artifact");
        env = Map.copyOf(env);
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(network, "network");
        Map<String, String> tagged = new LinkedHashMap<>(labels);
        tagged.put(APP_LABEL, appId);
        labels = Map.copyOf(tagged);
        Objects.requireNonNull(log, "log");
    }

    /** The record's fields with env by name only: a spec may be logged, and the app's env values are secrets. */
    @Override
    public String toString() {
        return "SandboxSpec[appId=" + appId + ", artifact=" + artifact + ", env=" + new java.util.TreeSet<>(env.keySet()) + ", limits="
                + limits + ", network=" + network + ", labels=" + labels + ", log=" + log + "]";
    }
}
