package io.slipway.proxy;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

/**
 * A request body on its way to the app that counts what passes and calls {@code onOverflow} once, dropping the
 * rest, when it exceeds {@code maxBytes}: how a chunked body, whose size nobody declared, is held to the limit.
 */
final class CappedBody implements ReadStream<Buffer> {
    private final ReadStream<Buffer> delegate;
    private final long maxBytes;
    private final Runnable onOverflow;
    private long seen;
    private boolean overflowed;

    CappedBody(ReadStream<Buffer> delegate, long maxBytes, Runnable onOverflow) {
        this.delegate = delegate;
        this.maxBytes = maxBytes;
        this.onOverflow = onOverflow;
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
