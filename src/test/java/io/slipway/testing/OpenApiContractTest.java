package io.slipway.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.Test;

/** The oracle itself: it must refuse what the document does not allow, or the conformance IT proves nothing. */
class OpenApiContractTest {
    private static final OpenApiContract CONTRACT = OpenApiContract.load();
    private static final String SERVER = "/api/containers/servers/{id}";

    @Test
    void aServerJsonAsServerJsonWritesItPasses() {
        assertThat(CONTRACT.check("GET", SERVER, response(200, "application/json", server().encode(), Map.of()))).isNotNull();
    }

    @Test
    void aServerJsonWithAFieldTheDocumentLacksOrWithoutOneItRequiresFails() {
        assertThatThrownBy(() -> CONTRACT.check("GET", SERVER, response(200, "application/json", server().put("extra", 1).encode(), Map.of())))
                .hasMessageContaining("extra");
        JsonObject missing = server();
        missing.remove("endpoint");
        assertThatThrownBy(() -> CONTRACT.check("GET", SERVER, response(200, "application/json", missing.encode(), Map.of())))
                .hasMessageContaining("endpoint");
        assertThatThrownBy(() -> CONTRACT.check("GET", SERVER, response(200, "application/json", server().put("status", "dozing").encode(), Map.of())))
                .hasMessageContaining("status");
    }

    @Test
    void aProblemMustCarryADeclaredSlugItsHeadersAndItsMediaType() {
        String notFound = "{\"type\":\"https://slipway.dev/problems/not-found\",\"title\":\"Not Found\",\"status\":404,\"detail\":\"no\"}";
        Map<String, String> slug = Map.of("X-Slipway-Error", "not-found");
        assertThat(CONTRACT.check("GET", SERVER, response(404, "application/problem+json", notFound, slug))).isNotNull();

        assertThatThrownBy(() -> CONTRACT.check("GET", SERVER, response(404, "application/json", notFound, slug)))
                .hasMessageContaining("Content-Type");
        assertThatThrownBy(() -> CONTRACT.check("GET", SERVER, response(404, "application/problem+json", notFound, Map.of())))
                .hasMessageContaining("X-Slipway-Error");
        assertThatThrownBy(() -> CONTRACT.check("GET", SERVER, response(404, "application/problem+json",
                notFound.replace("not-found", "gone"), slug))).hasMessageContaining("type");
        assertThatThrownBy(() -> CONTRACT.check("GET", SERVER, response(418, "application/problem+json", notFound, slug)))
                .hasMessageContaining("declares only");
    }

    private static JsonObject server() {
        JsonObject usage = new JsonObject().put("activeSeconds", 0.5).put("requests", 3).put("bytesIn", 10).put("bytesOut", 20)
                .put("tools", new JsonObject().put("add", new JsonObject().put("calls", 1).put("errors", 0).put("millis", 4)));
        return new JsonObject().put("id", "a1B2-c_3").put("name", "my-app").put("runtime", "node").put("endpoint", "http://localhost/containers/a1B2-c_3")
                .put("status", "running").put("createdAt", "2026-12-01T00:00:00Z").put("updatedAt", "2026-12-01T00:00:00Z").putNull("lastActiveAt")
                .put("sleepAfter", "10m").put("requirements", new JsonArray().add("express")).put("entry", "index.mjs")
                .put("envKeys", new JsonArray()).put("internet", false).put("private", false).put("healthPath", "/").put("transport", "http")
                .put("plan", "free").put("version", 1).put("usage", usage).put("alwaysOn", false).putNull("requestTimeout");
    }

    private static HttpResponse<String> response(int status, String type, String body, Map<String, String> headers) {
        Map<String, List<String>> all = new java.util.HashMap<>();
        all.put("Content-Type", List.of(type));
        headers.forEach((name, value) -> all.put(name, List.of(value)));
        HttpHeaders httpHeaders = HttpHeaders.of(all, (a, b) -> true);
        return new HttpResponse<>() {
            public int statusCode() {
                return status;
            }

            public HttpRequest request() {
                return HttpRequest.newBuilder(URI.create("http://localhost/")).build();
            }

            public Optional<HttpResponse<String>> previousResponse() {
                return Optional.empty();
            }

            public HttpHeaders headers() {
                return httpHeaders;
            }

            public String body() {
                return body;
            }

            public Optional<SSLSession> sslSession() {
                return Optional.empty();
            }

            public URI uri() {
                return URI.create("http://localhost/");
            }

            public HttpClient.Version version() {
                return HttpClient.Version.HTTP_1_1;
            }
        };
    }
}
