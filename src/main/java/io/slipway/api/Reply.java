package io.slipway.api;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/** A successful answer: a status and a JSON body, or no body for 204. */
record Reply(int status, JsonObject body) {
    static Reply ok(JsonObject body) {
        return new Reply(200, body);
    }

    static Reply created(JsonObject body) {
        return new Reply(201, body);
    }

    static Reply noContent() {
        return new Reply(204, null);
    }

    /** To a HEAD, the status and headers only: see {@link io.slipway.http.Problem#send(HttpServerRequest)}. */
    void send(HttpServerRequest request) {
        if (request.method() != HttpMethod.HEAD) {
            send(request.response());
            return;
        }
        request.response().setStatusCode(status);
        if (body != null) request.response().putHeader("Content-Type", "application/json");
        request.response().end();
    }

    void send(HttpServerResponse response) {
        response.setStatusCode(status);
        if (body == null) {
            response.end();
        } else {
            response.putHeader("Content-Type", "application/json").end(body.toBuffer());
        }
    }
}
