package io.slipway.app;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One deployed app as stored in {@code mcp_servers}.
 *
 * @param entryFile    the uploaded file's name, e.g. {@code index.ts}
 * @param requirements normalised package specs, sorted
 * @param codeHash     the code layer's digest (SHA-256 of the file's name, its dependency set's key and its content),
 *                     which names the build directory and its content
 * @param depsKey      the content-addressed dependency set the app uses, or null when it has no requirements
 * @param internet     whether the app may reach the internet
 * @param isPrivate    whether only its owner's token or one of its API keys may call it
 * @param plan         the owner's plan when the app was last deployed, which sets its sandbox limits
 * @param healthPath   the path a start's readiness probe sends {@code GET} to ({@code /} unless the owner set one)
 * @param transport    HTTP on {@code $PORT}, or a stdio MCP server that Slipway serves at {@code /mcp}
 * @param mcp          where Slipway looks for the app's MCP endpoint: {@value #MCP_AUTO} ({@value #DEFAULT_MCP_PATH}),
 *                     {@value #MCP_OFF}, or a path ({@link #mcpPath()})
 * @param alwaysOn     whether the app is never put to sleep for idleness (its plan's {@code alwaysOn} allows it): it is
 *                     started when set, at Slipway's start, and again after it exits
 * @param requestTimeout how long the data plane waits for the app to begin an answer (its headers) before it answers
 *                     {@code 504 request-timeout}; null for no limit (the default)
 */
public record App(String id, String owner, String name, Language language, String entryFile, List<String> requirements,
                  Duration sleepAfter, Map<String, String> env, AppStatus status, String error, String codeHash,
                  String depsKey, boolean internet, boolean isPrivate, String plan, Instant createdAt, Instant updatedAt, Instant lastActiveAt,
                  String healthPath, Transport transport, String mcp, boolean alwaysOn, Duration requestTimeout) {
    /** Where readiness is probed when the owner named no path. */
    public static final String DEFAULT_HEALTH_PATH = "/";
    /** The {@code mcp} setting by default: look for MCP at {@link #DEFAULT_MCP_PATH}. */
    public static final String MCP_AUTO = "auto";
    /** The {@code mcp} setting of an app that is not to be looked at as an MCP server. */
    public static final String MCP_OFF = "off";
    public static final String DEFAULT_MCP_PATH = "/mcp";


    public App {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(language, "language");
        Objects.requireNonNull(entryFile, "entryFile");
        requirements = List.copyOf(requirements);
        Objects.requireNonNull(sleepAfter, "sleepAfter");
        env = Map.copyOf(env);
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(codeHash, "codeHash");
        Objects.requireNonNull(plan, "plan");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(updatedAt, "updatedAt");
        Objects.requireNonNull(healthPath, "healthPath");
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(mcp, "mcp");
        if (requestTimeout != null && (requestTimeout.isNegative() || requestTimeout.isZero())) {
            throw new IllegalArgumentException("requestTimeout must be positive, or null for none");
        }
    }

    /** An app with the settings of before {@code alwaysOn} and {@code requestTimeout}: sleeps when idle, no timeout. */
    public App(String id, String owner, String name, Language language, String entryFile, List<String> requirements,
               Duration sleepAfter, Map<String, String> env, AppStatus status, String error, String codeHash,
               String depsKey, boolean internet, boolean isPrivate, String plan, Instant createdAt, Instant updatedAt, Instant lastActiveAt,
               String healthPath, Transport transport, String mcp) {
        this(id, owner, name, language, entryFile, requirements, sleepAfter, env, status, error, codeHash, depsKey, internet, isPrivate,
                plan, createdAt, updatedAt, lastActiveAt, healthPath, transport, mcp, false, null);
    }

    /** The request timeout, empty when the app has none. */
    public java.util.Optional<Duration> requestTimeoutIfAny() {
        return java.util.Optional.ofNullable(requestTimeout);
    }

    /** Where the app's MCP endpoint is looked for; empty when its owner turned that off. */
    public java.util.Optional<String> mcpPath() {
        return switch (mcp) {
            case MCP_OFF -> java.util.Optional.empty();
            case MCP_AUTO -> java.util.Optional.of(DEFAULT_MCP_PATH);
            default -> java.util.Optional.of(mcp);
        };
    }

    public App withStatus(AppStatus newStatus, String newError, Instant now) {
        return new App(id, owner, name, language, entryFile, requirements, sleepAfter, env, newStatus, newError, codeHash,
                depsKey, internet, isPrivate, plan, createdAt, now, lastActiveAt, healthPath, transport, mcp, alwaysOn, requestTimeout);
    }

    /** The record's fields with env by name only: an app may be logged, and its env values are secrets. */
    @Override
    public String toString() {
        return "App[id=" + id + ", owner=" + owner + ", name=" + name + ", language=" + language + ", entryFile=" + entryFile
                + ", requirements=" + requirements + ", sleepAfter=" + sleepAfter + ", env=" + new java.util.TreeSet<>(env.keySet())
                + ", status=" + status + ", error=" + error + ", codeHash=" + codeHash + ", depsKey=" + depsKey + ", internet=" + internet
                + ", isPrivate=" + isPrivate + ", plan=" + plan + ", createdAt=" + createdAt + ", updatedAt=" + updatedAt
                + ", lastActiveAt=" + lastActiveAt + ", healthPath=" + healthPath + ", transport=" + transport + ", mcp=" + mcp
                + ", alwaysOn=" + alwaysOn + ", requestTimeout=" + requestTimeout + "]";
    }
}
