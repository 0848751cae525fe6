package io.slipway.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Frame;
import io.slipway.logs.LogSink;
import io.slipway.logs.LogSource;
import java.io.Closeable;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A container's stdout and stderr, attached to before it starts (so that not even its first line is lost) and copied
 * into its log as the app's output; or a build step's. The engine keeps no copy of its own (log driver {@code none}): the app's log is
 * Slipway's, rotated at its cap however fast the app writes. The copy goes through a pipe, so a log that falls behind
 * holds the attach stream back rather than growing a buffer.
 */
final class ContainerOutput {
    private static final int PIPE = 64 * 1024;

    private ContainerOutput() {
    }

    /**
     * Attaches to the (created, not yet started) container and returns the thread pumping its output into {@code log},
     * which ends when the container has exited. Blocks until the engine has attached, {@code timeout} at most.
     */
    static Thread attach(DockerClient streams, String container, LogSink log, Duration timeout) {
        return attach(streams, container, log, LogSource.APP, timeout);
    }

    /** As {@link #attach(DockerClient, String, LogSink, Duration)}, the output framed as {@code source}'s (a build step's). */
    static Thread attach(DockerClient streams, String container, LogSink log, LogSource source, Duration timeout) {
        Copy copy = new Copy();
        streams.attachContainerCmd(container).withStdOut(true).withStdErr(true).withFollowStream(true).exec(copy);
        copy.awaitStart(timeout, "attach to the container's output");
        return log.pump(copy.in, source);
    }

    /** Copies each frame's payload into a pipe, which the log's pump reads; says when the engine has begun the stream. */
    private static final class Copy extends ResultCallback.Adapter<Frame> {
        private final PipedInputStream in = new PipedInputStream(PIPE);
        private final PipedOutputStream out;
        private final CompletableFuture<Void> started = new CompletableFuture<>();

        Copy() {
            try {
                out = new PipedOutputStream(in);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void onStart(Closeable stream) {
            super.onStart(stream);
            started.complete(null);
        }

        @Override
        public void onNext(Frame frame) {
            try {
                out.write(frame.getPayload());
            } catch (IOException e) {
                // The log's pump is gone (Slipway is stopping): nothing reads the rest.
                closeQuietly(this);
            }
        }

        @Override
        public void onError(Throwable error) {
            started.completeExceptionally(error);
            closeQuietly(out);
            super.onError(error);
        }

        @Override
        public void onComplete() {
            closeQuietly(out);
            super.onComplete();
        }

        /** Blocks until the engine has begun the stream, {@code timeout} at most. */
        void awaitStart(Duration timeout, String what) {
            try {
                started.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                closeQuietly(this);
                throw new IllegalStateException("the engine did not " + what + " within " + timeout.toSeconds() + " s", e);
            } catch (ExecutionException e) {
                throw new IllegalStateException("cannot " + what + ": " + e.getCause().getMessage(), e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                closeQuietly(this);
                throw new IllegalStateException("interrupted while waiting to " + what, e);
            }
        }
    }

    private static void closeQuietly(Closeable closeable) {
        try {
            closeable.close();
        } catch (IOException e) {
            // closing what is done with: nothing to report
        }
    }
}
