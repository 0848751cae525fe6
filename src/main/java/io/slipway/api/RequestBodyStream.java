package io.slipway.api;

import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A request's body as a blocking stream, for a virtual thread: the request is paused and one chunk is fetched at a time,
 * as the reader asks, so a slow reader slows the sender (TCP's back-pressure) instead of filling memory. Each read waits
 * at most {@code idle} for the next chunk. Create it on the request's context, before the body starts.
 */
final class RequestBodyStream extends InputStream {
    private static final Object END = new Object();

    private final HttpServerRequest request;
    private final Context context;
    private final long idleMillis;
    private final LinkedBlockingQueue<Object> chunks = new LinkedBlockingQueue<>();
    private Buffer current;
    private int at;
    private boolean ended;

    RequestBodyStream(HttpServerRequest request, Context context, java.time.Duration idle) {
        this.request = request;
        this.context = context;
        this.idleMillis = idle.toMillis();
        request.pause();
        request.handler(chunks::add);
        request.endHandler(v -> chunks.add(END));
        request.exceptionHandler(chunks::add);
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] bytes, int offset, int length) throws IOException {
        if (length == 0) return 0;
        while (current == null || at >= current.length()) {
            if (ended) return -1;
            Object next = next();
            if (next == END) {
                ended = true;
                return -1;
            }
            if (next instanceof Throwable t) throw new IOException("the upload broke off: " + t.getMessage(), t);
            current = (Buffer) next;
            at = 0;
        }
        int n = Math.min(length, current.length() - at);
        current.getBytes(at, at + n, bytes, offset);
        at += n;
        return n;
    }

    private Object next() throws IOException {
        Object queued = chunks.poll();
        if (queued != null) return queued;
        context.runOnContext(v -> request.fetch(1));
        try {
            Object next = chunks.poll(idleMillis, TimeUnit.MILLISECONDS);
            if (next == null) throw new IOException("the upload sent nothing for " + idleMillis + " ms");
            return next;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while reading the upload", e);
        }
    }
}
