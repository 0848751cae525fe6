package io.slipway.cli.client;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Follows the log of the app a deploy is building, on a virtual thread of its own, into a {@link BuildProgress}, until
 * {@link #stop()}. A redeploy knows its app's id; a first upload's id is chosen by the server, which lists the app (as
 * {@code building}) as soon as the upload is accepted, so the thread looks for an id that was not in the list before the
 * upload. Best effort: whatever fails here only means less is shown, never that the deploy fails.
 */
final class BuildLog {
    private static final long POLL_MILLIS = 250;

    private final ApiClient api;
    private final BuildProgress progress;
    private volatile boolean stopped;
    private volatile EventStream stream;
    private Thread thread;

    private BuildLog(ApiClient api, BuildProgress progress) {
        this.api = api;
        this.progress = progress;
    }

    /** Follows the log of the app {@code id}, showing the lines written from {@code since} on. */
    static BuildLog ofApp(ApiClient api, BuildProgress progress, String id, Instant since) {
        BuildLog log = new BuildLog(api, progress);
        log.thread = Thread.ofVirtual().name("build-log").start(() -> log.follow(id, since));
        return log;
    }

    /** Finds the app that appears in the caller's list and is not among {@code known}, then follows its log. */
    static BuildLog ofNewApp(ApiClient api, BuildProgress progress, Set<String> known, String name) {
        BuildLog log = new BuildLog(api, progress);
        log.thread = Thread.ofVirtual().name("build-log").start(() -> log.find(known, name).ifPresent(id -> log.follow(id, null)));
        return log;
    }

    /** The ids of the caller's apps now. */
    static Set<String> ids(ApiClient api) {
        Set<String> ids = new HashSet<>();
        for (Object app : api.get("/api/mcp-projects").json().getJsonArray("projects", new JsonArray())) ids.add(((JsonObject) app).getString("id"));
        return ids;
    }

    /** Stops following; a line read after this is not shown (the progress is finished first by the caller). */
    void stop() {
        stopped = true;
        EventStream open = stream;
        if (open != null) open.close();
        thread.interrupt();
    }

    private Optional<String> find(Set<String> known, String name) {
        try {
            while (!stopped) {
                for (Object each : api.get("/api/mcp-projects").json().getJsonArray("projects", new JsonArray())) {
                    JsonObject app = (JsonObject) each;
                    if (!known.contains(app.getString("id")) && (name == null || name.equals(app.getString("name")))) {
                        return Optional.of(app.getString("id"));
                    }
                }
                Thread.sleep(POLL_MILLIS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // The list could not be read: the deploy goes on without its log.
        }
        return Optional.empty();
    }

    private void follow(String id, Instant since) {
        if (stopped) return;
        try (EventStream open = api.stream(ClientCommand.appPath(id) + "/logs?follow=true")) {
            stream = open;
            if (stopped) return;
            open.read(event -> {
                if (event.type().equals("message")) event.data().lines().forEach(line -> progress.line(line, since));
                return !stopped && !event.type().equals("end");
            });
        } catch (RuntimeException e) {
            // A follow refused or broken (too many followers, the app deleted as it failed): shown no further.
        }
    }
}
