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
 * into its log as the app's output. The engine keeps no copy of its own (log driver {@code none}): the app's log is
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
        PipedInputStream in = new PipedInputStream(PIPE);
        PipedOutputStream out;
        try {
            out = new PipedOutputStream(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        CompletableFuture<Void> attached = new CompletableFuture<>();
        ResultCallback.Adapter<Frame> copy = new ResultCallback.Adapter<>() {
            @Override
            public void onStart(Closeable stream) {
                super.onStart(stream);
                attached.complete(null);
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
                attached.completeExceptionally(error);
                closeQuietly(out);
            }

            @Override
            public void onComplete() {
                closeQuietly(out);
            }
        };
        streams.attachContainerCmd(container).withStdOut(true).withStdErr(true).withFollowStream(true).exec(copy);
        try {
            attached.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            closeQuietly(copy);
            throw new IllegalStateException("the engine did not attach to the container's output within " + timeout.toSeconds() + " s", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot attach to the container's output: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeQuietly(copy);
            throw new IllegalStateException("interrupted while attaching to the container's output", e);
        }
        return log.pump(in, LogSource.APP);
    }

    private static void closeQuietly(Closeable closeable) {
        try {
            closeable.close();
        } catch (IOException e) {
            // closing what is done with: nothing to report
        }
    }
}
