package io.slipway.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.slipway.app.DataDir;
import io.slipway.testing.OpenApiContract;
import io.slipway.testing.TestServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OpenAPI document against the router {@link ApiRouter#create} really builds: every {@code /api/**} route is
 * documented with its methods, and every documented operation is a route. Paths outside {@code /api} count where the
 * document names them (the probes); {@code /internal/**} is for sandboxes, not clients, and is left out of both.
 */
class OpenApiDocumentTest {
    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options", "trace");
    private static final OpenApiContract CONTRACT = OpenApiContract.load();
    private static Vertx vertx;

    @BeforeAll
    static void startVertx() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stopVertx() {
        vertx.close().await();
    }

    @Test
    void theDocumentIsOpenApi31WithTheUploadListAndServerPaths() {
        JsonObject document = CONTRACT.document();

        assertThat(document.getString("openapi")).startsWith("3.1.");
        assertThat(document.getJsonObject("paths").fieldNames())
                .contains("/api/containers/upload", "/api/mcp-projects", "/api/containers/servers/{id}");
        assertThat(document.getJsonObject("components").getJsonObject("securitySchemes").getJsonObject("bearerAuth").getString("scheme"))
                .isEqualTo("bearer");
    }

    @Test
    void everyApiRouteIsDocumentedAndEveryDocumentedOperationIsARoute(@TempDir Path dir) {
        Set<String> documented = documentedOperations();
        Set<String> routed = new TreeSet<>();
        for (String operation : routedOperations(dir)) {
            String path = operation.substring(operation.indexOf(' ') + 1);
            boolean ours = path.startsWith("/api/") || documented.stream().anyMatch(d -> d.endsWith(" " + path));
            if (ours && !path.startsWith("/internal/")) routed.add(operation);
        }

        assertThat(routed).as("the router's own routes, read back").contains("POST /api/containers/upload", "GET /api/openapi.json");
        assertThat(routed).as("routes the OpenAPI document lacks").isSubsetOf(documented);
        assertThat(documented).as("documented operations that are no route").isSubsetOf(routed);
    }

    @Test
    void onlyTheDocumentItselfAndTheProbesNeedNoToken() {
        assertThat(CONTRACT.document().getJsonArray("security")).isEqualTo(new JsonArray().add(new JsonObject().put("bearerAuth", new JsonArray())));
        List<String> open = new ArrayList<>();
        forEachOperation((operation, body) -> {
            if (body.getJsonArray("security") != null) open.add(operation);
        });
        assertThat(open).allMatch(o -> o.equals("GET /api/openapi.json") || !o.contains(" /api/"));
        forEachOperation((operation, body) -> {
            if (body.getJsonArray("security") == null) {
                assertThat(body.getJsonObject("responses").containsKey("401")).as(operation + " declares its 401").isTrue();
            }
        });
    }

    @Test
    void everyReferenceResolves() {
        List<String> unresolved = new ArrayList<>();
        collectRefs(CONTRACT.document(), unresolved);
        assertThat(unresolved).as("$refs with nothing at their pointer").isEmpty();
    }

    private static Set<String> routedOperations(Path dir) {
        var config = TestServer.config(dir);
        Router router = ApiRouter.create(vertx, null, null, null, null, null, null, config, new DataDir(dir), null, null, null, null,
                null, new ArtifactDownloads(null, null));
        Set<String> operations = new TreeSet<>();
        for (Route route : router.getRoutes()) {
            // Routes of any method (the token check, the 405 bookkeeping, the last word) are no operation.
            if (route.getPath() == null || route.methods() == null || route.methods().isEmpty()) continue;
            String path = route.getPath().replaceAll(":([A-Za-z0-9_]+)", "{$1}");
            route.methods().forEach(m -> operations.add(m.name() + " " + path));
        }
        return operations;
    }

    private static Set<String> documentedOperations() {
        Set<String> operations = new TreeSet<>();
        forEachOperation((operation, body) -> operations.add(operation));
        return operations;
    }

    private static void forEachOperation(java.util.function.BiConsumer<String, JsonObject> action) {
        JsonObject paths = CONTRACT.document().getJsonObject("paths");
        for (String path : paths.fieldNames()) {
            JsonObject item = paths.getJsonObject(path);
            for (String method : item.fieldNames()) {
                if (METHODS.contains(method)) action.accept(method.toUpperCase(java.util.Locale.ROOT) + " " + path, item.getJsonObject(method));
            }
        }
    }

    private static void collectRefs(Object node, List<String> unresolved) {
        if (node instanceof JsonObject object) {
            if (object.getValue("$ref") instanceof String ref && !resolves(ref)) unresolved.add(ref);
            object.forEach(e -> collectRefs(e.getValue(), unresolved));
        } else if (node instanceof JsonArray array) {
            array.forEach(v -> collectRefs(v, unresolved));
        }
    }

    private static boolean resolves(String ref) {
        if (!ref.startsWith("#/")) return false;
        Object at = CONTRACT.document();
        for (String part : ref.substring(2).split("/")) {
            if (!(at instanceof JsonObject object)) return false;
            at = object.getValue(part.replace("~1", "/").replace("~0", "~"));
        }
        return at instanceof JsonObject;
    }
}
