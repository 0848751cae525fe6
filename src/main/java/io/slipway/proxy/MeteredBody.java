package io.slipway.proxy;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

/**
 * A body passing through the proxy, either way: every chunk renews the app's activity ({@code onChunk}), and past
 * {@code maxBytes} it calls {@code onOverflow} once and drops the rest — how a chunked request body, whose size nobody
 * declared, is held to the limit.
 */
final class MeteredBody implements ReadStream<Buffer> {
    private final ReadStream<Buffer> delegate;
    private final long maxBytes;
    private final Runnable onOverflow;
    private final Runnable onChunk;
    private long seen;
    private boolean overflowed;

    MeteredBody(ReadStream<Buffer> delegate, long maxBytes, Runnable onOverflow, Runnable onChunk) {
        this.delegate = delegate;
        this.maxBytes = maxBytes;
        this.onOverflow = onOverflow;
        this.onChunk = onChunk;
    }

    @Override
    public ReadStream<Buffer> handler(Handler<Buffer> handler) {
        delegate.handler(handler == null ? null : buffer -> {
            if (overflowed) return;
            seen += buffer.length();
            if (seen > maxBytes) {
                overflowed = true;
                onOverflow.run();
                return;
            }
            onChunk.run();
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
