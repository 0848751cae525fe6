package io.slipway.cli.client;

import io.vertx.core.json.JsonObject;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Option;

/**
 * What every client command shares: {@code --json}, the connection from {@link ClientConfig}, and DESIGN §7's exit codes:
 * 0 when {@link #run} returns, 1 for an {@link ApiProblem} (its detail, status and title on stderr) or a server that
 * cannot be reached, 2 for a {@link UsageError}. Picocli itself exits 2 for unknown flags and missing arguments.
 */
public abstract class ClientCommand implements Callable<Integer> {
    @Option(names = "--json", description = "print the server's JSON instead of text (for scripts)")
    protected boolean json;

    protected final PrintStream out = System.out;
    protected final PrintStream err = System.err;
    private final Map<String, String> env = System.getenv();

    /** Does the command's work with {@code api}; returns normally on success. */
    protected abstract void run(ApiClient api);

    @Override
    public Integer call() {
        try {
            run(new ApiClient(connection()));
            return 0;
        } catch (UsageError e) {
            err.println("slipway: " + e.getMessage());
            return 2;
        } catch (ApiProblem e) {
            err.println("slipway: " + e.describe());
            return 1;
        } catch (CommandFailed e) {
            err.println("slipway: " + e.getMessage());
            return 1;
        } catch (UncheckedIOException e) {
            err.println("slipway: " + e.getMessage() + ": " + e.getCause().getMessage());
            return 1;
        }
    }

    /** The server and token to call: the configuration's, unless the command says otherwise ({@code login}). */
    protected ClientConfig.Connection connection() {
        return config().connection();
    }

    protected ClientConfig config() {
        return ClientConfig.ofEnvironment(env);
    }

    /** Prints {@code value} as indented JSON: what {@code --json} shows. */
    protected void printJson(JsonObject value) {
        out.println(value.encodePrettily());
    }

    /**
     * Calls {@code call}; when the server has no route for it (an older Slipway), fails with a message saying that
     * {@code command} is not supported there yet, rather than the router's 404 or 405.
     */
    protected static <T> T supported(String command, ApiClient api, java.util.function.Supplier<T> call) {
        try {
            return call.get();
        } catch (ApiProblem e) {
            if (!e.routeMissing()) throw e;
            throw new ApiProblem(e.status(), e.title(), "the server at " + api.server() + " does not support '" + command
                    + "' yet: " + e.detail(), e.slug());
        }
    }

    /** The path of one app's resource: its id percent-encoded as a path segment. */
    protected static String appPath(String id) {
        return "/api/containers/servers/" + java.net.URLEncoder.encode(id, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
    }
}
