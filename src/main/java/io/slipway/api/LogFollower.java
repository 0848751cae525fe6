package io.slipway.api;

import io.slipway.logs.LogPosition;
import io.slipway.logs.LogReader;
import io.slipway.logs.LogWatch;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * One client following an app's log as Server-Sent Events: one event per line, whose {@code id} is the
 * {@link LogPosition} after that line, so that a client reconnecting with it as {@code Last-Event-ID} gets exactly the
 * lines that came after.
 *
 * <p>The log file is the buffer, and the kernel says when it changed ({@link LogWatch}): a follower at the end of the log
 * waits for that, never reads the file again on a timer. The follower reads its next chunk (at most {@value #CHUNK} bytes) only once the
 * response's write queue has taken the last one without filling up (checked on the response's context; when full, its
 * drain handler resumes the follower), so a client that reads slowly, or not at all, costs Slipway a chunk and a write
 * queue, not a copy of everything the app writes. A client so far behind that the lines it would read next were
 * rotated away is told so by a {@code dropped} event and goes on from the oldest line kept. A comment every
 * {@code keepAlive} in which nothing else was sent keeps idle timeouts on the way (Slipway's own
 * {@code proxy.idleTimeout}, a reverse proxy's) from cutting a quiet follow. The stream ends with an {@code end} event
 * when the app is deleted.
 *
 * <p>{@link #run} blocks (file reads, and the client's pace) and belongs on a virtual thread of its own; everything
 * written to the response is written on its context. It returns when the client has left or the stream has ended.
 */
final class LogFollower {
    static final int CHUNK = 64 * 1024;

    private final Context context;
    private final HttpServerResponse response;
    private final Path log;
    private final Duration keepAlive;
    private final BooleanSupplier appExists;
    private final LogWatch.Subscription changes;
    /** A permit whenever the write queue has room for the next chunk again, or the client has left. */
    private final Semaphore room = new Semaphore(0);
    private final CountDownLatch left = new CountDownLatch(1);

    /**
     * @param changes   wakes the follower when its log changed (the kernel says when: no polling); the follower closes it
     * @param appExists asked when the log is missing: whether the app still exists (its log will come), or was deleted
     */
    LogFollower(Context context, HttpServerResponse response, Path log, Duration keepAlive, LogWatch.Subscription changes,
                BooleanSupplier appExists) {
        this.changes = changes;
        this.context = context;
        this.response = response;
        this.log = log;
        this.keepAlive = keepAlive;
        this.appExists = appExists;
    }

    /**
     * Sends the stream's head and follows the log from {@code from} until the client leaves or the app is deleted.
     *
     * @param onLeave run on the response's context the moment the client is gone (to give back its place)
     */
    void run(LogPosition from, Runnable onLeave) throws InterruptedException {
        try (changes) {
            follow(from, onLeave);
        }
    }

    private void follow(LogPosition from, Runnable onLeave) throws InterruptedException {
        begin(onLeave);
        LogPosition position = from;
        long behind = 0;
        long quietSince = System.nanoTime();
        while (left.getCount() > 0) {
            LogReader.Chunk chunk = LogReader.read(log, position, CHUNK);
            if (chunk.gone() && !appExists.getAsBoolean()) {
                end();
                return;
            }
            Buffer events = events(chunk, behind);
            position = chunk.next();
            behind = chunk.behind();
            if (events.length() > 0) {
                send(events);
                quietSince = System.nanoTime();
                continue; // more may be waiting: read on at the client's pace
            }
            long quiet = System.nanoTime() - quietSince;
            if (quiet >= keepAlive.toNanos()) {
                sendComment("keep-alive");
                quietSince = System.nanoTime();
                quiet = 0;
            }
            // Until the log changes (or may have: a change between the read above and this wait left a permit), the
            // keep-alive is due, or the client leaves.
            changes.await(Math.max(1, (keepAlive.toNanos() - quiet) / 1_000_000));
            if (left.getCount() == 0) return;
        }
    }

    private void begin(Runnable onLeave) throws InterruptedException {
        context.runOnContext(v -> {
            response.closeHandler(x -> leave(onLeave));
            if (response.closed()) {
                leave(onLeave);
                return;
            }
            // X-Accel-Buffering: nginx, in front of Slipway, would otherwise hold events back until its buffer fills.
            response.setChunked(true).putHeader("Content-Type", "text/event-stream").putHeader("Cache-Control", "no-cache")
                    .putHeader("X-Accel-Buffering", "no");
        });
        sendComment("following the log");
    }

    private void end() {
        Buffer end = Buffer.buffer();
        ServerSentEvents.event(end, null, "end", "the app was deleted");
        context.runOnContext(v -> {
            if (!response.closed() && !response.ended()) response.end(end);
        });
    }

    private void sendComment(String text) throws InterruptedException {
        Buffer comment = Buffer.buffer();
        ServerSentEvents.comment(comment, text);
        send(comment);
    }

    /** A {@code dropped} notice when lines were skipped, then one event per line. */
    private static Buffer events(LogReader.Chunk chunk, long behind) {
        Buffer events = Buffer.buffer(chunk.lines().length + chunk.lines().length / 8 + 64);
        if (chunk.skipped()) {
            String lost = chunk.lost() >= 0 ? chunk.lost() + " bytes" : behind > 0 ? behind + " bytes or more" : "lines";
            ServerSentEvents.event(events, chunk.start().toString(), "dropped", lost + " of the log were rotated away before this "
                    + "stream was sent them and are no longer kept; what follows is the oldest line kept");
        }
        byte[] lines = chunk.lines();
        long offset = chunk.start().offset();
        int line = 0;
        for (int i = 0; i <= lines.length; i++) {
            if (i < lines.length && lines[i] != '\n') continue;
            if (i > line) {
                // The last line ends where the next read starts (a line cut to fit a chunk ends further on).
                LogPosition after = i + 1 >= lines.length ? chunk.next()
                        : new LogPosition(chunk.start().inode(), chunk.start().head(), offset + i + 1);
                ServerSentEvents.event(events, after.toString(), null, lines, line, i);
            }
            line = i + 1;
        }
        return events;
    }

    /** Writes on the response's context, and returns once the write queue has room for more, or the client has left. */
    private void send(Buffer bytes) throws InterruptedException {
        context.runOnContext(v -> {
            if (response.closed() || response.ended()) {
                room.release();
                return;
            }
            response.write(bytes);
            if (response.writeQueueFull()) {
                response.drainHandler(x -> {
                    response.drainHandler(null);
                    room.release();
                });
            } else {
                room.release();
            }
        });
        // No deadline but the client's: one that never reads holds this thread, and nothing else, until its
        // connection closes (proxy.idleTimeout closes a connection on which nothing moves).
        while (!room.tryAcquire(keepAlive.toMillis(), TimeUnit.MILLISECONDS)) {
            if (left.getCount() == 0) return;
        }
    }

    private void leave(Runnable onLeave) {
        if (left.getCount() == 0) return;
        left.countDown();
        room.release();
        changes.wake();
        onLeave.run();
    }
}
