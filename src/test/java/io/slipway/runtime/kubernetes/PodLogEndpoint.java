package io.slipway.runtime.kubernetes;

import com.fasterxml.jackson.databind.node.TextNode;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Frame;
import io.fabric8.mockwebserver.http.MockResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The answer to {@code GET /api/v1/namespaces/<ns>/pods/<pod>/log}: what the pod's container has written so far, stdout
 * and stderr as one stream, read from the engine with its timestamps. Honours {@code container} (else the pod's first),
 * {@code previous}, {@code timestamps} (each line prefixed with its RFC 3339 time to the nanosecond, trailing zeros
 * dropped, and a space, as the kubelet writes them), {@code sinceTime}, {@code sinceSeconds} and {@code tailLines}.
 * {@code follow=true} is answered as if it were not given: the response ends with what there is, and a client that
 * follows reconnects. 404 for a pod the kubelet does not run, 400 for a container that has not started, as the API
 * server answers. Stateless; called on the mock server's event loop.
 */
final class PodLogEndpoint {
    /** Which engine container holds a pod's container's output. */
    interface Containers {
        Lookup find(String namespace, String pod, String container, boolean previous);
    }

    /** Where the output is, or why there is none. */
    sealed interface Lookup {
        record Found(String containerId) implements Lookup {
        }

        record Missing(int code, String message) implements Lookup {
        }
    }

    private final DockerClient docker;
    private final Containers containers;

    PodLogEndpoint(DockerClient docker, Containers containers) {
        this.docker = docker;
        this.containers = containers;
    }

    MockResponse answer(String namespace, String pod, Map<String, String> query) {
        Lookup lookup = containers.find(namespace, pod, query.getOrDefault("container", ""), Boolean.parseBoolean(query.get("previous")));
        return switch (lookup) {
            case Lookup.Missing missing -> new MockResponse().setResponseCode(missing.code()).setHeader("Content-Type", "application/json")
                    .setBody(status(missing.code(), missing.message()));
            case Lookup.Found found -> new MockResponse().setResponseCode(200).setHeader("Content-Type", "text/plain")
                    .setBody(render(lines(found.containerId()), query));
        };
    }

    /** One line of output and when the engine took it. */
    record Line(Instant time, String text) {
    }

    /** Where each of the engine's log entries begins: its timestamp and a space. */
    private static final java.util.regex.Pattern ENTRY =
            java.util.regex.Pattern.compile("(\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(?:\\.\\d+)?(?:Z|[+-]\\d{2}:\\d{2})) ");

    /**
     * The container's output as lines. The engine's stream is its log entries, each led by its timestamp, cut into
     * frames anywhere (inside a timestamp too); a long line is several entries (podman splits them, as the CRI's partial
     * lines are), each but the last without its newline: they are joined again under the first one's time, as a kubelet
     * serves them. (An app line that holds such a timestamp and a space would be cut there: the test apps' do not.)
     */
    private List<Line> lines(String containerId) {
        java.io.ByteArrayOutputStream output = new java.io.ByteArrayOutputStream();
        try {
            // A container removed as its pod ends, before the pod is gone, has nothing more to show.
            docker.logContainerCmd(containerId).withStdOut(true).withStdErr(true).withTimestamps(true)
                    .exec(new ResultCallback.Adapter<Frame>() {
                        @Override
                        public void onNext(Frame frame) {
                            output.writeBytes(frame.getPayload());
                        }
                    }).awaitCompletion(10, TimeUnit.SECONDS);
        } catch (NotFoundException e) {
            return List.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        String text = output.toString(StandardCharsets.UTF_8);
        List<Line> lines = new ArrayList<>();
        java.util.regex.Matcher entry = ENTRY.matcher(text);
        StringBuilder partial = new StringBuilder();
        Instant partialTime = null;
        boolean found = entry.find();
        while (found) {
            Instant at = OffsetDateTime.parse(entry.group(1)).toInstant();
            int from = entry.end();
            found = entry.find();
            String piece = text.substring(from, found ? entry.start() : text.length());
            if (partialTime == null) partialTime = at;
            partial.append(piece);
            if (piece.endsWith("\n")) {
                lines.add(new Line(partialTime, partial.substring(0, partial.length() - 1)));
                partial.setLength(0);
                partialTime = null;
            }
        }
        if (partialTime != null) lines.add(new Line(partialTime, partial.toString()));
        return lines;
    }

    static String render(List<Line> lines, Map<String, String> query) {
        Instant since = Instant.MIN;
        if (query.containsKey("sinceTime")) since = OffsetDateTime.parse(query.get("sinceTime")).toInstant();
        if (query.containsKey("sinceSeconds")) since = Instant.now().minusSeconds(Long.parseLong(query.get("sinceSeconds")));
        Instant from = since;
        List<Line> shown = lines.stream().filter(l -> !l.time().isBefore(from)).toList();
        if (query.containsKey("tailLines")) {
            int tail = Integer.parseInt(query.get("tailLines"));
            shown = shown.subList(Math.max(0, shown.size() - tail), shown.size());
        }
        boolean timestamps = Boolean.parseBoolean(query.get("timestamps"));
        StringBuilder body = new StringBuilder();
        for (Line line : shown) {
            if (timestamps) body.append(rfc3339Nano(line.time())).append(' ');
            body.append(line.text()).append('\n');
        }
        return body.toString();
    }

    /** Go's {@code time.RFC3339Nano} in UTC, as the kubelet writes log timestamps: {@code 2006-01-02T15:04:05.999999999Z}. */
    static String rfc3339Nano(Instant time) {
        String seconds = time.truncatedTo(ChronoUnit.SECONDS).toString();
        if (time.getNano() == 0) return seconds;
        String fraction = String.format("%09d", time.getNano()).replaceAll("0+$", "");
        return seconds.substring(0, seconds.length() - 1) + "." + fraction + "Z";
    }

    private static String status(int code, String message) {
        return "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":"
                + TextNode.valueOf(message) + ",\"reason\":\"" + (code == 404 ? "NotFound" : "BadRequest")
                + "\",\"code\":" + code + "}";
    }
}
