package io.slipway.proxy;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

/**
 * A request body on its way to the app: every chunk is counted and renews the app's activity ({@code onChunk}, given its
 * size), and past {@code maxBytes} it calls {@code onOverflow} once and drops the rest — how a chunked request body,
 * whose size nobody declared, is held to the limit. Empty chunks are dropped. (Answers are relayed by
 * {@link HttpForwarder} itself.)
 */
final class MeteredBody implements ReadStream<Buffer> {
    private final ReadStream<Buffer> delegate;
    private final long maxBytes;
    private final Runnable onOverflow;
    private final java.util.function.IntConsumer onChunk;
    private long seen;
    private boolean overflowed;

    MeteredBody(ReadStream<Buffer> delegate, long maxBytes, Runnable onOverflow, java.util.function.IntConsumer onChunk) {
        this.delegate = delegate;
        this.maxBytes = maxBytes;
        this.onOverflow = onOverflow;
        this.onChunk = onChunk;
    }

    @Override
    public ReadStream<Buffer> handler(Handler<Buffer> handler) {
        delegate.handler(handler == null ? null : buffer -> {
            // An empty chunk carries nothing. HTTP/2 clients send one to end a GET (an empty DATA frame), and writing it to
            // an HTTP/1.1 request without a declared length or chunked encoding would fail.
            if (overflowed || buffer.length() == 0) return;
            seen += buffer.length();
            if (seen > maxBytes) {
                overflowed = true;
                onOverflow.run();
                return;
            }
            onChunk.accept(buffer.length());
            handler.handle(buffer);
        });
        return this;
    }

    @Override
    public ReadStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
        delegate.exceptionHandler(handler);
        return this;
    }

    @Override
    public ReadStream<Buffer> pause() {
        delegate.pause();
        return this;
    }

    @Override
    public ReadStream<Buffer> resume() {
        delegate.resume();
        return this;
    }

    @Override
    public ReadStream<Buffer> fetch(long amount) {
        delegate.fetch(amount);
        return this;
    }

    @Override
    public ReadStream<Buffer> endHandler(Handler<Void> endHandler) {
        delegate.endHandler(endHandler);
        return this;
    }
}
