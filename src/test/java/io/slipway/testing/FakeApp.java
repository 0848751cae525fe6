package io.slipway.testing;

import io.slipway.runtime.SandboxExit;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The apps the {@link FakeSandboxRuntime} simulates, picked by the entry's base name ({@code env.js} → {@link #ENV}),
 * each the counterpart of a node script of {@code src/test/resources/apps} that the contract suite runs on real
 * runtimes. Every app but {@link #GRACEFUL} and {@link #STUBBORN} dies of SIGTERM (exit 143), as node does by default.
 */
enum FakeApp {
    /** Answers every request with {@code {"env": {...}}}. */
    ENV,
    /** Logs that it allocates, then "allocates" 16 MiB at a time from node's ~40 MiB until past the memory limit: killed, out of memory. */
    HOG,
    /** Logs {@code fatal: DATABASE_URL is not set} and exits with 3. */
    CRASH,
    /** Answers; on SIGTERM logs {@code SIGTERM received, shutting down} and exits with 0. */
    GRACEFUL,
    /** Answers; on SIGTERM logs {@code SIGTERM received, ignoring it}. */
    STUBBORN,
    /** {@code /lines?count=N} logs the next N numbered lines, then answers N. */
    NUMBERED,
    /** {@code /env}, {@code POST /dial} and {@code /fork?n=N}, answered as the policy and the limits would allow ({@link FakeNetwork}). */
    PROBE;

    /** What one request gets. */
    record Answer(int status, String contentType, String body) {
        static Answer json(JsonObject body) {
            return new Answer(200, "application/json", body.encode());
        }

        static Answer text(String body) {
            return new Answer(200, "text/plain", body);
        }
    }

    private static final long MIB = 1024 * 1024;
    /** The tasks node has before it forks anything (its main thread, libuv's pool, V8's): what a pids limit counts first. */
    private static final int NODE_TASKS = 11;

    static Optional<FakeApp> of(String entry) {
        String base = entry.contains(".") ? entry.substring(0, entry.indexOf('.')) : entry;
        return Arrays.stream(values()).filter(app -> app.name().toLowerCase(Locale.ROOT).equals(base)).findFirst();
    }

    /** Whether the app listens at all: {@link #CRASH} exits before it would, as {@code crash.js} does. */
    boolean listens() {
        return this != CRASH;
    }

    /** Right after the sandbox's server listens (or would): what the app does at start. */
    void started(FakeSandbox sandbox) {
        switch (this) {
            case HOG -> Thread.ofVirtual().name("fake-hog-" + sandbox.appId()).start(() -> {
                sandbox.log("allocating until killed");
                long used = 40 * MIB;
                while (used <= sandbox.spec().limits().memory().bytes()) used += 16 * MIB;
                sandbox.exit(new SandboxExit(137, true));
            });
            case CRASH -> Thread.ofVirtual().name("fake-crash-" + sandbox.appId()).start(() -> {
                sandbox.log("fatal: DATABASE_URL is not set");
                sandbox.exit(new SandboxExit(3));
            });
            default -> { }
        }
    }

    /** SIGTERM. */
    void terminated(FakeSandbox sandbox) {
        switch (this) {
            case GRACEFUL -> {
                sandbox.log("SIGTERM received, shutting down");
                sandbox.exit(new SandboxExit(0));
            }
            case STUBBORN -> sandbox.log("SIGTERM received, ignoring it");
            default -> sandbox.exit(new SandboxExit(143));
        }
    }

    Answer answer(FakeSandbox sandbox, URI uri, String body) {
        return switch (this) {
            case ENV -> Answer.json(new JsonObject().put("env", new JsonObject(new java.util.HashMap<>(sandbox.env()))));
            case NUMBERED -> numbered(sandbox, intParameter(uri, "count"));
            case PROBE -> probe(sandbox, uri, body);
            default -> Answer.text(name().toLowerCase(Locale.ROOT));
        };
    }

    private static Answer numbered(FakeSandbox sandbox, int count) {
        String pad = ".".repeat(80);
        synchronized (sandbox) {
            int first = sandbox.linesWritten() + 1;
            for (int n = first; n < first + count; n++) sandbox.log("line " + n + " " + pad);
            sandbox.linesWritten(first + count - 1);
            return Answer.text(Integer.toString(first + count - 1));
        }
    }

    private static Answer probe(FakeSandbox sandbox, URI uri, String body) {
        return switch (uri.getPath()) {
            case "/env" -> Answer.json(new JsonObject().put("ok", true).put("env", new JsonObject(new java.util.HashMap<>(sandbox.env()))));
            case "/dial" -> {
                JsonArray results = new JsonArray();
                for (Object t : new JsonArray(body)) {
                    JsonObject target = (JsonObject) t;
                    results.add(target.copy().mergeIn(FakeNetwork.dial(target.getString("host"), target.getInteger("port"),
                            sandbox.port(), sandbox.spec().network())));
                }
                yield Answer.json(new JsonObject().put("ok", true).put("results", results));
            }
            case "/fork" -> {
                int n = intParameter(uri, "n");
                int spawned = Math.max(0, Math.min(n, sandbox.spec().limits().pids() - NODE_TASKS));
                yield Answer.json(new JsonObject().put("ok", true).put("spawned", spawned).put("failed", n - spawned));
            }
            default -> Answer.json(new JsonObject().put("ok", true).put("app", "probe"));
        };
    }

    private static int intParameter(URI uri, String name) {
        String query = uri.getRawQuery() == null ? "" : uri.getRawQuery();
        return List.of(query.split("&")).stream().filter(p -> p.startsWith(name + "=")).map(p -> Integer.parseInt(p.substring(name.length() + 1)))
                .findFirst().orElse(0);
    }
}
