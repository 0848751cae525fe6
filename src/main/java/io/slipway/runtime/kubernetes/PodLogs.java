package io.slipway.runtime.kubernetes;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.LogWatch;
import io.slipway.logs.LogSink;
import io.slipway.logs.LogSource;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the output of a pod's app container (or another of its containers) through the API ({@code pods/log}, {@code follow}, {@code timestamps})
 * into the sandbox's log, in order and each line once: the API ends a stream when its container ends (and a restarted
 * one is a new stream), when a connection drops, or, before an API server that does not follow, at once; so the
 * follower reads again from the last line's time, passing over the lines it has already written by their timestamps.
 * It stops once the sandbox has ended and one more read found the rest.
 */
final class PodLogs {
    private static final Logger LOG = LoggerFactory.getLogger(PodLogs.class);
    private static final Duration AGAIN = Duration.ofMillis(250);
    private static final Duration LAST_READ = Duration.ofSeconds(5);

    private final KubernetesClient client;
    private final String namespace;
    private final LogSink sink;
    private final String containerName;
    private final LogSource source;
    private final CountDownLatch finishing = new CountDownLatch(1);
    private Thread follower;
    private Thread pump;
    private volatile LogWatch current;
    /** The time of the last line written, how many were written at that time, and how many of those this stream repeats. */
    private Instant last;
    private int writtenAtLast;
    private int repeatsAtLast;

    PodLogs(KubernetesClient client, String namespace, LogSink sink) {
        this(client, namespace, sink, AppObjects.APP_CONTAINER, LogSource.APP);
    }

    /** Follows {@code container} of the pod instead, its lines framed as {@code source}'s (a build step's). */
    PodLogs(KubernetesClient client, String namespace, LogSink sink, String container, LogSource source) {
        this.client = client;
        this.namespace = namespace;
        this.sink = sink;
        this.containerName = container;
        this.source = source;
    }

    /** Starts following {@code pod}'s app container; once per sandbox. */
    synchronized void follow(String pod) {
        if (follower != null) return;
        PipedOutputStream lines = new PipedOutputStream();
        try {
            pump = sink.pump(new PipedInputStream(lines, 64 * 1024), source);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        follower = Thread.ofVirtual().name("logs-" + pod).start(() -> run(pod, lines));
    }

    /** The sandbox has ended: one more read, then the follower stops (at most a few seconds from now). */
    void finish() {
        finishing.countDown();
        Thread thread;
        Thread writer;
        synchronized (this) {
            thread = follower;
            writer = pump;
        }
        if (thread == null || thread == Thread.currentThread()) return;
        try {
            if (!thread.join(LAST_READ)) {
                LogWatch watch = current;
                if (watch != null) watch.close();
                thread.join(Duration.ofSeconds(1));
            }
            // The lines read are in the log once the writer has taken them all from the pipe.
            if (writer != null) writer.join(Duration.ofSeconds(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run(String pod, OutputStream lines) {
        try (lines) {
            while (true) {
                boolean lastRead = finishing.getCount() == 0;
                if (!read(pod, lines) || lastRead) return;
                if (finishing.await(AGAIN.toMillis(), TimeUnit.MILLISECONDS)) continue;
            }
        } catch (IOException e) {
            LOG.debug("the log of {} is closed: {}", pod, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One stream, to its end; false when the pod is gone, and with it its log. */
    private boolean read(String pod, OutputStream lines) throws IOException {
        var container = client.pods().inNamespace(namespace).withName(pod).inContainer(containerName).withReadyWaitTimeout(0).usingTimestamps();
        try (LogWatch watch = last == null ? container.watchLog() : container.sinceTime(last.truncatedTo(ChronoUnit.SECONDS).toString()).watchLog()) {
            current = watch;
            repeatsAtLast = writtenAtLast;
            BufferedReader reader = new BufferedReader(new InputStreamReader(watch.getOutput(), StandardCharsets.UTF_8));
            String first = reader.readLine();
            if (first != null && first.startsWith("{\"kind\":\"Status\"")) {
                // The API's refusal, as the stream's body: read again later, unless the sandbox has ended. A 404 comes
                // while a restarted container is being replaced too, not only once the pod is gone (then the sandbox ends).
                return finishing.getCount() != 0;
            }
            for (String line = first; line != null; line = reader.readLine()) write(line, lines);
            return true;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404 && finishing.getCount() == 0) return false;
            LOG.debug("reading the log of {} failed ({}), reading again", pod, e.getMessage());
            return true;
        } catch (IOException e) {
            if (finishing.getCount() == 0) return false;
            LOG.debug("the log stream of {} broke ({}), reading again", pod, e.getMessage());
            return true;
        } catch (RuntimeException e) {
            // Whatever else a read runs into (a stream torn down under it as a restarted container is replaced), the
            // follower must outlive it, or the app's later lines are lost.
            if (finishing.getCount() == 0) return false;
            LOG.debug("reading the log of {} failed ({}), reading again", pod, e.toString());
            return true;
        } finally {
            current = null;
        }
    }

    /** {@code <RFC 3339 time> <text>}: written unless an earlier stream wrote it. */
    private void write(String line, OutputStream lines) throws IOException {
        int space = line.indexOf(' ');
        Instant at;
        try {
            at = space > 0 ? Instant.parse(line.substring(0, space)) : null;
        } catch (DateTimeParseException e) {
            at = null;
        }
        if (at == null) {
            lines.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            return;
        }
        if (last != null && at.isBefore(last)) return;
        if (at.equals(last)) {
            if (repeatsAtLast > 0) {
                repeatsAtLast--;
                return;
            }
            writtenAtLast++;
        } else {
            last = at;
            writtenAtLast = 1;
            repeatsAtLast = 0;
        }
        lines.write((line.substring(space + 1) + "\n").getBytes(StandardCharsets.UTF_8));
    }
}
