package io.slipway.api;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.CompletionException;

/**
 * Writes to a response from a virtual thread, one chunk in flight at a time: each write waits until the previous one
 * reached the connection, so a slow reader slows the writer instead of filling memory.
 */
final class ResponseStream extends OutputStream {
    private final HttpServerResponse response;

    ResponseStream(HttpServerResponse response) {
        this.response = response;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        if (length == 0) return;
        Buffer chunk = Buffer.buffer(length).appendBytes(bytes, offset, length);
        try {
            response.write(chunk).toCompletionStage().toCompletableFuture().join();
        } catch (CompletionException e) {
            throw new IOException("the caller went away", e.getCause());
        }
    }
}
