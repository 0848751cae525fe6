package io.slipway.api;

import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

/**
 * Runs a handler's blocking work on a virtual thread and writes its reply back on the request's event loop, so
 * that store, build and runtime code can be plain straight-line code. A thrown exception goes to the router's
 * failure handler.
 */
final class Blocking {
    @FunctionalInterface
    interface Action {
        Reply run(RoutingContext ctx) throws Exception;
    }

    private Blocking() {
    }

    static Handler<RoutingContext> of(Action action) {
        return ctx -> {
            Context context = ctx.vertx().getOrCreateContext();
            Thread.ofVirtual().name("api-" + ctx.request().method() + "-" + ctx.request().path()).start(() -> {
                try {
                    Reply reply = action.run(ctx);
                    context.runOnContext(v -> {
                        if (!ctx.response().ended()) reply.send(ctx.response());
                    });
                } catch (Throwable failure) {
                    context.runOnContext(v -> ctx.fail(failure));
                }
            });
        };
    }
}
