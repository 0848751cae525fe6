package io.slipway.mcp;

import io.slipway.app.App;
import io.slipway.instances.StartInspection;
import io.slipway.logs.LogSink;
import io.vertx.core.http.HttpClient;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recognises MCP servers at their first start, as a {@link StartInspection}: the first start of each version of an app
 * whose {@code mcp} setting is not {@code off} runs {@link McpDiscovery} at its MCP path and records what it answered
 * ({@link McpRecords}). An app that answers MCP badly is refused, with what was wrong, before it takes traffic (a
 * deploy's {@code 422 start-failed}); one with no MCP server at {@code /mcp} (the default, {@code auto}) is simply
 * not one; one whose owner named a path ({@code mcp=/api/mcp}) and that answers no MCP there is refused. Later starts of
 * the same version (wakes) find it discovered and cost nothing.
 */
public final class McpRecognition implements StartInspection {
    private static final Logger LOG = LoggerFactory.getLogger(McpRecognition.class);

    private final McpRecords records;
    private final McpClient client;
    private final Function<String, LogSink> logs;

    /** @param http a client for the apps' addresses; each discovery request is bounded by {@code timeout} */
    public McpRecognition(McpRecords records, HttpClient http, Duration timeout, Function<String, LogSink> logs) {
        this.records = records;
        this.client = new McpClient(http, timeout);
        this.logs = logs;
    }

    @Override
    public void inspect(App app, java.net.SocketAddress address) {
        Optional<String> path = app.mcpPath();
        if (path.isEmpty() || records.discovered(app)) return;
        long t0 = System.nanoTime();
        McpDiscovery.Outcome outcome = new McpDiscovery(client).discover(io.slipway.http.AppAddresses.of(address), path.get());
        long millis = (System.nanoTime() - t0) / 1_000_000;
        LogSink log = logs.apply(app.id());
        switch (outcome) {
            case McpDiscovery.Outcome.Recognised recognised -> {
                records.put(app, Optional.of(recognised.record()));
                var summary = recognised.record().summary(McpDiscovery.PROTOCOL_VERSIONS.getFirst());
                log.event("MCP server recognised at " + path.get() + " in " + millis + " ms: " + summary.getJsonObject("serverInfo").getString("name")
                        + ", protocol " + summary.getString("protocolVersion") + ", " + summary.getJsonArray("tools").size() + " tools");
                LOG.info("app {}: MCP server recognised at {} in {} ms", app.id(), path.get(), millis);
            }
            case McpDiscovery.Outcome.NotMcp notMcp -> {
                if (!App.MCP_AUTO.equals(app.mcp())) {
                    throw new Refused("mcp is " + path.get() + ", but the app answers no MCP there: " + notMcp.why()
                            + " (upload with mcp=off if it is not an MCP server)");
                }
                records.put(app, Optional.empty());
                log.event("no MCP server at " + path.get() + " (" + notMcp.why() + "): served as a plain HTTP app");
            }
            case McpDiscovery.Outcome.Invalid invalid -> throw new Refused("the app answers MCP at " + path.get() + ", but " + invalid.why()
                    + " (upload with mcp=off to serve it without MCP discovery)");
        }
    }

}
