package io.slipway.runtime.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.internal.MockDispatcher;
import io.fabric8.mockwebserver.internal.SimpleRequest;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Queue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * fabric8's CRUD store for the mock API server, with two things a real API server does for pods that the {@link
 * TestKubelet} needs and the mock lacks.
 * <ul>
 * <li>A pod {@code DELETE} is graceful: it sets {@code metadata.deletionGracePeriodSeconds} (from the {@code DeleteOptions}
 * body's {@code gracePeriodSeconds}, else the {@code gracePeriodSeconds} query parameter, else the pod's {@code
 * terminationGracePeriodSeconds}, else 30) and {@code deletionTimestamp} (now + the grace) in one write, and leaves the
 * pod to its finalizers; a later {@code DELETE} may shorten the grace, never lengthen it. A pod without finalizers is
 * deleted by the CRUD store at once, as before.</li>
 * <li>A JSON merge patch ({@code application/merge-patch+json}) is applied as RFC 7386 says: arrays are replaced, a
 * {@code null} removes its key. The CRUD store's own merge appends to arrays and stores the nulls (measured on 7.9.0:
 * a patch of {@code containers} left the old container first and the new one second).</li>
 * <li>{@code GET …/pods/<pod>/log} is answered by {@link PodLogEndpoint}.</li>
 * </ul>
 * A request that the mock server's {@code expect()} scripted an answer for gets that answer first, as with {@code
 * KubernetesMixedDispatcher}. Everything else is the CRUD store's. Its answers run on the mock server's event loop: the log answer blocks it for the
 * one engine call it makes.
 */
final class KubeletDispatcher extends KubernetesCrudDispatcher {
    private static final Pattern POD = Pattern.compile("(/api/v1/namespaces/([^/]+)/pods/([^/?]+))(/log)?(?:\\?(.*))?");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long DEFAULT_GRACE_SECONDS = 30;

    private final Map<ServerRequest, Queue<ServerResponse>> expectations;
    private final MockDispatcher scripted;
    private volatile PodLogEndpoint logs;

    /** @param expectations the mock server's scripted answers, which {@code expect()} adds to */
    KubeletDispatcher(Map<ServerRequest, Queue<ServerResponse>> expectations) {
        this.expectations = expectations;
        this.scripted = new MockDispatcher(expectations);
    }

    /** Answers log requests from {@code podLogs} from now on; before, they get a 404. */
    void serveLogs(PodLogEndpoint podLogs) {
        this.logs = podLogs;
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        Queue<ServerResponse> script = expectations.get(new SimpleRequest(HttpMethod.valueOf(request.getMethod()), request.getPath()));
        if (script != null && !script.isEmpty()) return scripted.dispatch(request);
        if ("PATCH".equals(request.getMethod()) && String.valueOf(request.getHeader("Content-Type")).contains("merge-patch+json")) {
            return mergePatch(request);
        }
        Matcher pod = POD.matcher(request.getPath());
        if (pod.matches()) {
            Map<String, String> query = query(pod.group(5));
            if (pod.group(4) != null && "GET".equals(request.getMethod())) {
                PodLogEndpoint answering = logs;
                return answering == null ? new MockResponse().setResponseCode(404) : answering.answer(pod.group(2), pod.group(3), query);
            }
            if (pod.group(4) == null && "DELETE".equals(request.getMethod())) return deleteGracefully(request, pod.group(1), query);
        }
        return super.dispatch(request);
    }

    /** As the API server does for pods (pkg/registry/core/pod/strategy.go, CheckGracefulDelete). */
    private synchronized MockResponse deleteGracefully(RecordedRequest request, String path, Map<String, String> query) {
        MockResponse current = handleGet(path);
        if (current.code() != 200) return super.dispatch(request);
        ObjectNode pod = read(current.getBody().readUtf8());
        JsonNode metadata = pod.path("metadata");
        if (metadata.path("finalizers").isEmpty()) return super.dispatch(request);
        long grace = requestedGrace(request, query).orElse(pod.path("spec").path("terminationGracePeriodSeconds").asLong(DEFAULT_GRACE_SECONDS));
        if (metadata.hasNonNull("deletionTimestamp") && grace >= metadata.path("deletionGracePeriodSeconds").asLong(Long.MAX_VALUE)) {
            return new MockResponse().setResponseCode(200).setBody(pod.toString());
        }
        ObjectNode patch = JSON.createObjectNode();
        patch.putObject("metadata").put("deletionGracePeriodSeconds", grace)
                .put("deletionTimestamp", Instant.now().plusSeconds(grace).truncatedTo(ChronoUnit.SECONDS).toString());
        MockResponse patched = handlePatch(new RecordedRequest("HTTP/1.1", HttpMethod.PATCH, path,
                Headers.builder().add("Content-Type", "application/merge-patch+json").build(),
                new Buffer(patch.toString().getBytes(StandardCharsets.UTF_8))));
        // The API server answers a graceful delete with the object as it now is, 200; the PATCH underneath says 202.
        return patched.code() / 100 == 2 ? patched.setResponseCode(200) : patched;
    }

    /** RFC 7386 onto the stored object, then stored as a PUT would store it (of {@code /status}, the status alone). */
    private synchronized MockResponse mergePatch(RecordedRequest request) {
        String path = request.getPath().replaceFirst("\\?.*$", "");
        MockResponse current = handleGet(path.replaceFirst("/status$", ""));
        if (current.code() != 200) return current;
        JsonNode merged = merge(read(current.getBody().readUtf8()), read(new String(request.getBody().getBytes(), StandardCharsets.UTF_8)));
        return handleUpdate(new RecordedRequest("HTTP/1.1", HttpMethod.PUT, path, Headers.builder().add("Content-Type", "application/json").build(),
                new Buffer(merged.toString().getBytes(StandardCharsets.UTF_8))));
    }

    static JsonNode merge(JsonNode target, JsonNode patch) {
        if (!patch.isObject()) return patch;
        ObjectNode result = target != null && target.isObject() ? ((ObjectNode) target).deepCopy() : JSON.createObjectNode();
        patch.properties().forEach(field -> {
            if (field.getValue().isNull()) result.remove(field.getKey());
            else result.set(field.getKey(), merge(result.get(field.getKey()), field.getValue()));
        });
        return result;
    }

    private static OptionalLong requestedGrace(RecordedRequest request, Map<String, String> query) {
        String body = request.getBody() == null || request.getBody().size() == 0 ? "" : new String(request.getBody().getBytes(), StandardCharsets.UTF_8);
        if (!body.isBlank()) {
            JsonNode options = read(body);
            if (options.hasNonNull("gracePeriodSeconds")) return OptionalLong.of(options.get("gracePeriodSeconds").asLong());
        }
        String parameter = query.get("gracePeriodSeconds");
        return parameter == null ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(parameter));
    }

    static Map<String, String> query(String query) {
        Map<String, String> parameters = new LinkedHashMap<>();
        if (query == null || query.isEmpty()) return parameters;
        for (String pair : query.split("&")) {
            int equals = pair.indexOf('=');
            String name = equals < 0 ? pair : pair.substring(0, equals);
            String value = equals < 0 ? "" : pair.substring(equals + 1);
            parameters.put(URLDecoder.decode(name, StandardCharsets.UTF_8), URLDecoder.decode(value, StandardCharsets.UTF_8));
        }
        return parameters;
    }

    private static ObjectNode read(String json) {
        try {
            return (ObjectNode) JSON.readTree(json);
        } catch (IOException | ClassCastException e) {
            throw new IllegalArgumentException("not a JSON object: " + json, e);
        }
    }
}
