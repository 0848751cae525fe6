package io.slipway.api;

import io.slipway.artifacts.BuildTransfers;
import io.slipway.artifacts.TarUnpacker;
import io.slipway.http.Problem;
import io.vertx.core.Context;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The files of build steps that run in pods ({@link BuildTransfers}): {@code GET /internal/builds/{step}/input/{n}}
 * streams the step's directory {@code n} (0: its work directory) as an uncompressed tar, and {@code PUT
 * /internal/builds/{step}/output} takes the work directory as the step left it, once, as a tar. Both need the step's
 * grant ({@code Authorization: Bearer}); a user's token opens nothing here. An upload that is too large answers 413, one
 * with an entry that may not be taken (a path leaving the directory, a device) 422, a second one 409, each a problem
 * JSON; nothing of a refused upload is kept.
 */
public final class BuildFileTransfers {
    private static final Logger LOG = LoggerFactory.getLogger(BuildFileTransfers.class);
    private static final Duration UPLOAD_IDLE = Duration.ofMinutes(2);

    private final BuildTransfers steps;

    public BuildFileTransfers(BuildTransfers steps) {
        this.steps = steps;
    }

    /** Its two routes, which need no user's token. */
    public void install(io.vertx.ext.web.Router router) {
        router.get(BuildTransfers.INPUT_ROUTE).handler(this::input);
        router.put(BuildTransfers.OUTPUT_ROUTE).handler(this::output);
    }

    void input(RoutingContext ctx) {
        BuildTransfers.Open step = find(ctx);
        if (step == null) return;
        int index;
        try {
            index = Integer.parseInt(ctx.pathParam("index"));
        } catch (NumberFormatException e) {
            index = -1;
        }
        if (index < 0 || index >= step.inputCount()) {
            Problem.of(404, "no-such-input", "Not Found", "the step has inputs 0 to " + (step.inputCount() - 1)).send(ctx.response());
            return;
        }
        HttpServerResponse response = ctx.response().setChunked(true).putHeader("Content-Type", "application/x-tar").putHeader("Cache-Control", "no-store");
        Context context = ctx.vertx().getOrCreateContext();
        int dir = index;
        Thread.ofVirtual().name("build-input-" + step.id()).start(() -> {
            try (OutputStream out = new BufferedOutputStream(new ResponseStream(response), 64 * 1024)) {
                step.writeInput(dir, out);
            } catch (IOException | RuntimeException e) {
                LOG.warn("the download of input {} of build step {} broke off: {}", dir, step.id(), e.getMessage());
                context.runOnContext(v -> response.reset());
                return;
            }
            context.runOnContext(v -> response.end());
        });
    }

    void output(RoutingContext ctx) {
        BuildTransfers.Open step = find(ctx);
        if (step == null) return;
        Context context = ctx.vertx().getOrCreateContext();
        RequestBodyStream body = new RequestBodyStream(ctx.request(), context, UPLOAD_IDLE);
        HttpServerResponse response = ctx.response();
        Thread.ofVirtual().name("build-output-" + step.id()).start(() -> {
            Problem problem = receive(step, body);
            context.runOnContext(v -> {
                if (problem == null) {
                    response.setStatusCode(204).end();
                } else {
                    // The rest of a refused upload is not read: an HTTP/1 connection goes after the answer.
                    if (ctx.request().version() != io.vertx.core.http.HttpVersion.HTTP_2) response.putHeader("Connection", "close");
                    problem.send(response);
                }
            });
        });
    }

    /** Null when the output arrived, else the problem to answer. */
    private static Problem receive(BuildTransfers.Open step, RequestBodyStream body) {
        try {
            step.receiveOutput(body);
            return null;
        } catch (TarUnpacker.RefusedException e) {
            LOG.warn("refused the output of build step {}: {}", step.id(), e.getMessage());
            return e.tooLarge() ? Problem.of(413, "output-too-large", "Content Too Large", e.getMessage())
                    : Problem.of(422, "output-refused", "Unprocessable Content", "the output's tar was refused: " + e.getMessage());
        } catch (IllegalStateException e) {
            return Problem.of(409, "output-taken", "Conflict", e.getMessage());
        } catch (IOException | RuntimeException e) {
            LOG.warn("the output of build step {} did not arrive: {}", step.id(), e.getMessage());
            return Problem.of(400, "output-broken", "Bad Request", "the output did not arrive whole");
        }
    }

    /** The step the request's grant opens; null once the problem is answered. */
    private BuildTransfers.Open find(RoutingContext ctx) {
        return switch (steps.find(ctx.pathParam("step"), ArtifactDownloads.bearer(ctx))) {
            case BuildTransfers.Lookup.Found found -> found.step();
            case BuildTransfers.Lookup.NoGrant ignored -> {
                ArtifactDownloads.invalidGrant("build step").send(ctx.response());
                yield null;
            }
            case BuildTransfers.Lookup.OtherStep ignored -> {
                Problem.of(403, "not-granted", "Forbidden", "the grant is another build step's").send(ctx.response());
                yield null;
            }
            case BuildTransfers.Lookup.NoStep ignored -> {
                Problem.of(404, "no-such-step", "Not Found", "no build step of that id is running here").send(ctx.response());
                yield null;
            }
        };
    }
}
