package io.slipway.api;

import io.slipway.app.DataDir;
import io.slipway.config.LogSettings;
import io.slipway.deploy.Deployments;
import io.slipway.http.Problem;
import io.slipway.http.ProblemException;
import io.slipway.logs.LogFiles;
import io.slipway.logs.LogPosition;
import io.slipway.logs.LogReader;
import io.slipway.logs.LogWatch;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.nio.file.Path;

/**
 * {@code GET /api/containers/servers/{id}/logs}: the log's last 256 KiB as text, or with {@code ?follow=true} a
 * Server-Sent Events stream ({@link LogFollower}), one event per line, that goes on until the client leaves or the app
 * is deleted. A follow starts with the log's last 256 KiB, or, with {@code Last-Event-ID}, right after that event.
 * At most {@code logs.maxFollowersPerApp} and {@code logs.maxFollowersPerUser} follows are open at once
 * ({@link LogFollowers}); past them, {@code 429 too-many-followers}.
 */
final class LogsHandler implements Handler<RoutingContext> {
    private static final int TAIL_BYTES = 256 * 1024;

    private final Deployments deployments;
    private final DataDir dataDir;
    private final LogSettings settings;
    private final LogFollowers followers;

    private final LogWatch watch;

    LogsHandler(Deployments deployments, DataDir dataDir, LogSettings settings, LogWatch watch) {
        this.watch = watch;
        this.deployments = deployments;
        this.dataDir = dataDir;
        this.settings = settings;
        this.followers = new LogFollowers(settings);
    }

    @Override
    public void handle(RoutingContext ctx) {
        Context context = ctx.vertx().getOrCreateContext();
        String owner = BearerAuth.principal(ctx).user();
        String id = ctx.pathParam("id");
        boolean follow = "true".equals(ctx.request().getParam("follow"));
        String lastEventId = ctx.request().getHeader("Last-Event-ID");
        Thread.ofVirtual().name("logs-" + id).start(() -> {
            try {
                if (deployments.find(owner, id).isEmpty()) throw ApiRouter.notFound(ctx);
                Path log = dataDir.appLog(id);
                if (follow) {
                    follow(ctx, context, owner, id, log, lastEventId);
                } else {
                    String text = LogFiles.tail(log, TAIL_BYTES);
                    context.runOnContext(v -> ctx.response().putHeader("Content-Type", "text/plain; charset=utf-8").end(text));
                }
            } catch (Throwable e) {
                context.runOnContext(v -> ctx.fail(e));
            }
        });
    }

    private void follow(RoutingContext ctx, Context context, String owner, String id, Path log, String lastEventId)
            throws InterruptedException {
        // EventSource sends the id of the last event it received when it reconnects; an empty one means none.
        LogPosition from = lastEventId == null || lastEventId.isBlank() ? LogReader.tailStart(log, TAIL_BYTES)
                : LogPosition.parse(lastEventId).orElseThrow(() -> new ProblemException(Problem.of(400, "invalid-last-event-id",
                        "Bad Request", "Last-Event-ID must be the id of an event of this log (<inode>-<hex>-<offset>); "
                                + "leave it out to start with the log's last 256 KiB")));
        LogFollowers.Place place = followers.admit(owner, id);
        try {
            new LogFollower(context, ctx.response(), log, settings.keepAliveInterval(), watch.subscribe(log),
                    () -> deployments.find(owner, id).isPresent()).run(from, place::release);
        } finally {
            place.release();
        }
    }
}
