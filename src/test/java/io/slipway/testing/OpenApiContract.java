package io.slipway.testing;

import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Slipway's OpenAPI document ({@code io/slipway/api/openapi.json}) as a test oracle: {@link #check} finds the response
 * the document declares for an operation and a status, and fails unless the answer's media type is one it lists, its
 * required headers are there, and its body matches that media type's schema (JSON Schema 2020-12, as OpenAPI 3.1 uses,
 * checked by networknt's validator with the document's own {@code $ref}s).
 */
public final class OpenApiContract {
    /** The document, as the validator knows it: its {@code #/…} references resolve within it. */
    private static final String IRI = "https://slipway.dev/openapi.json";

    private final JsonObject document;
    private final SchemaRegistry registry;

    private OpenApiContract(String text) {
        this.document = new JsonObject(text);
        this.registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12, builder -> builder.schemas(Map.of(IRI, text)));
    }

    /** The document Slipway serves, read from the class path. */
    public static OpenApiContract load() {
        try (InputStream in = OpenApiContract.class.getResourceAsStream("/io/slipway/api/openapi.json")) {
            if (in == null) throw new IllegalStateException("io/slipway/api/openapi.json is not on the class path");
            return new OpenApiContract(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public JsonObject document() {
        return document;
    }

    /**
     * Fails unless {@code response} is one the document declares for {@code method path} (a template such as
     * {@code /api/containers/servers/{id}}).
     *
     * @return the response, for more assertions
     */
    public <T> HttpResponse<T> check(String method, String path, HttpResponse<T> response, String body) {
        String where = method + " " + path + " → " + response.statusCode();
        JsonObject operation = document.getJsonObject("paths").getJsonObject(path, new JsonObject()).getJsonObject(method.toLowerCase(Locale.ROOT));
        if (operation == null) throw new AssertionError(method + " " + path + " is not in the OpenAPI document");
        JsonObject responses = operation.getJsonObject("responses");
        String status = String.valueOf(response.statusCode());
        String pointer = "/paths/" + escape(path) + "/" + method.toLowerCase(Locale.ROOT) + "/responses/" + status;
        JsonObject declared = responses.getJsonObject(status);
        if (declared == null) throw new AssertionError(where + ": the document declares only " + responses.fieldNames() + "; body: " + body);
        if (declared.containsKey("$ref")) {
            pointer = declared.getString("$ref").substring(1);
            declared = resolve(pointer);
        }
        JsonObject headers = declared.getJsonObject("headers", new JsonObject());
        for (String header : headers.fieldNames()) {
            JsonObject h = headers.getJsonObject(header);
            if (h.containsKey("$ref")) h = resolve(h.getString("$ref").substring(1));
            if (h.getBoolean("required", false) && response.headers().firstValue(header).isEmpty()) {
                throw new AssertionError(where + ": the required header " + header + " is missing");
            }
        }
        JsonObject content = declared.getJsonObject("content");
        String type = response.headers().firstValue("Content-Type").map(t -> t.split(";")[0].trim().toLowerCase(Locale.ROOT)).orElse(null);
        if (content == null) {
            if (body != null && !body.isEmpty()) throw new AssertionError(where + ": the document declares no body, but got " + body);
            return response;
        }
        if (type == null || !content.containsKey(type)) {
            throw new AssertionError(where + ": Content-Type " + type + " is not one of " + content.fieldNames());
        }
        if (type.endsWith("json")) {
            Schema schema = registry.getSchema(SchemaLocation.of(IRI + "#" + pointer + "/content/" + escape(type) + "/schema"));
            List<com.networknt.schema.Error> errors = schema.validate(body, InputFormat.JSON);
            if (!errors.isEmpty()) throw new AssertionError(where + " does not match the document: " + errors + "\nbody: " + body);
        }
        return response;
    }

    /** {@link #check(String, String, HttpResponse, String)} of a response read as text. */
    public HttpResponse<String> check(String method, String path, HttpResponse<String> response) {
        return check(method, path, response, response.body());
    }

    private JsonObject resolve(String pointer) {
        Object at = document;
        for (String part : pointer.substring(1).split("/")) at = ((JsonObject) at).getValue(part.replace("~1", "/").replace("~0", "~"));
        if (!(at instanceof JsonObject object)) throw new AssertionError("the document has nothing at " + pointer);
        return object;
    }

    /** RFC 6901: a key as one JSON Pointer token. */
    private static String escape(String key) {
        return key.replace("~", "~0").replace("/", "~1");
    }
}
