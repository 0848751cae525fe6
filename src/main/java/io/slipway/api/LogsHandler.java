package io.slipway.api;

import io.slipway.app.DataDir;
import io.slipway.logs.LogFiles;
import io.slipway.deploy.Deployments;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code GET /api/containers/servers/{id}/logs}: the log's last 256 KiB as text, or with {@code ?follow=true} a
 * Server-Sent Events stream, one event per line, that goes on until the client leaves or the app is deleted.
 */
final class LogsHandler implements Handler<RoutingContext> {
    private static final int TAIL_BYTES = 256 * 1024;
    private static final long POLL_MILLIS = 200;

    private final Deployments deployments;
    private final DataDir dataDir;

    LogsHandler(Deployments deployments, DataDir dataDir) {
        this.deployments = deployments;
        this.dataDir = dataDir;
    }

    @Override
    public void handle(RoutingContext ctx) {
        Context context = ctx.vertx().getOrCreateContext();
        String owner = BearerAuth.principal(ctx).user();
        String id = ctx.pathParam("id");
        boolean follow = "true".equals(ctx.request().getParam("follow"));
        Thread.ofVirtual().name("logs-" + id).start(() -> {
            try {
                if (deployments.find(owner, id).isEmpty()) throw ApiRouter.notFound(ctx);
                Path log = dataDir.appLog(id);
                if (follow) {
                    follow(ctx, context, log);
                } else {
                    String text = LogFiles.tail(log, TAIL_BYTES);
                    context.runOnContext(v -> ctx.response().putHeader("Content-Type", "text/plain; charset=utf-8").end(text));
                }
            } catch (Throwable e) {
                context.runOnContext(v -> ctx.fail(e));
            }
        });
    }

    private static void follow(RoutingContext ctx, Context context, Path log) throws IOException, InterruptedException {
        HttpServerResponse response = ctx.response();
        AtomicBoolean closed = new AtomicBoolean();
        context.runOnContext(v -> {
            response.setChunked(true).putHeader("Content-Type", "text/event-stream").putHeader("Cache-Control", "no-cache");
            response.closeHandler(x -> closed.set(true));
            response.write(": following the log\n\n");
        });
        long position = Math.max(0, Files.exists(log) ? Files.size(log) - TAIL_BYTES : 0);
        StringBuilder partial = new StringBuilder();
        while (!closed.get()) {
            if (!Files.exists(log)) {
                context.runOnContext(v -> response.end("event: end\ndata: the app was deleted\n\n"));
                return;
            }
            long size = Files.size(log);
            if (size < position) position = 0; // rotated: the app's next lines are at the start of a new log
            if (size > position) {
                byte[] bytes = read(log, position, size);
                position = size;
                partial.append(new String(bytes, StandardCharsets.UTF_8));
                int end = partial.lastIndexOf("\n");
                if (end >= 0) {
                    StringBuilder events = new StringBuilder();
                    for (String line : partial.substring(0, end).split("\n", -1)) events.append("data: ").append(line).append("\n\n");
                    partial.delete(0, end + 1);
                    Buffer chunk = Buffer.buffer(events.toString());
                    context.runOnContext(v -> {
                        if (!closed.get()) response.write(chunk);
                    });
                }
            }
            Thread.sleep(POLL_MILLIS); // polling a file for new lines; the loop ends when the client leaves
        }
    }

    private static byte[] read(Path log, long from, long to) throws IOException {
        try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
            byte[] bytes = new byte[(int) Math.min(to - from, TAIL_BYTES)];
            file.seek(to - bytes.length);
            file.readFully(bytes);
            return bytes;
        }
    }
}
