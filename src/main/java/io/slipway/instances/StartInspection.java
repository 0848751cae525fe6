package io.slipway.instances;

import io.slipway.app.App;
import java.net.SocketAddress;

/**
 * What else a start asks of an app once it answers HTTP, before it takes traffic: MCP discovery, for one
 * ({@code io.slipway.mcp.McpRecognition}). Called on the start's virtual thread, for every start (a deploy's, a
 * redeploy's new version, a wake); an inspection that has nothing to do for this version returns at once.
 */
@FunctionalInterface
public interface StartInspection {
    StartInspection NONE = (app, address) -> { };

    /**
     * Looks at {@code app}, running and ready at {@code address}. Blocks.
     *
     * @throws Refused when the app must not take traffic: the start fails with the reason, as a start that never
     *     answered does ({@code 422 start-failed} for a deploy)
     */
    void inspect(App app, SocketAddress address);

    /** Why an inspected app may not take traffic, in words for its owner. */
    final class Refused extends RuntimeException {
        public Refused(String reason) {
            super(reason);
        }
    }
}
