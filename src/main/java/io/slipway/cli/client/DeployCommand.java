package io.slipway.cli.client;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code deploy FILE}: uploads one source file ({@code POST /api/containers/upload}, or {@code PUT} of the app with
 * {@code --id}), which the server answers once the app is built and running. Meanwhile the app's log is shown on stderr
 * ({@link BuildLog}, {@link BuildProgress}); stdout ends with the endpoint, or holds the server JSON with {@code --json}.
 */
@Command(name = "deploy", mixinStandardHelpOptions = true, version = io.slipway.cli.SlipwayCommand.VERSION, description = {"Deploy one source file (.js, .mjs, .ts or .py) as an app, or redeploy it with --id.",
        "Shows the build and start as they run; prints the app's endpoint on the last line."})
public final class DeployCommand extends ClientCommand {
    @Parameters(paramLabel = "FILE", description = "the source file")
    Path file;
    @Option(names = "--name", description = "the app's name (default: the file's base name)")
    String name;
    @Option(names = "--requirements", paramLabel = "SPECS", description = "packages to install, separated by spaces or commas, e.g. \"express cors\"")
    String requirements;
    @Option(names = "--env", paramLabel = "K=V", description = "an environment variable for the app (repeatable)")
    List<String> env;
    @Option(names = "--sleep-after", paramLabel = "DURATION", description = "idle time before the app sleeps, e.g. 30s, 10m, 2h")
    String sleepAfter;
    @Option(names = "--private", description = "callers of the app need a token or an access key")
    boolean isPrivate;
    @Option(names = "--always-on", description = "never put the app to sleep, and start it again after it exits (if the plan allows)")
    boolean alwaysOn;
    @Option(names = "--request-timeout", paramLabel = "DURATION", description = "answer 504 when the app has not begun an answer in this long, e.g. 30s (default none)")
    String requestTimeout;
    @Option(names = "--transport", paramLabel = "http|stdio", description = "stdio: the file is a stdio MCP server, served at /mcp (default http)")
    String transport;
    @Option(names = "--id", paramLabel = "ID", description = "redeploy this app: new code, same id and endpoint")
    String id;

    @Override
    protected void run(ApiClient api) {
        MultipartBody form = form();
        Instant since = null;
        // A redeploy's log already holds the earlier versions' lines: shown are those after its last line now, by the
        // instants the server wrote, so that neither clock's skew hides or repeats a line.
        if (id != null) since = after(api.get(appPath(id) + "/logs").body());
        Set<String> known = id == null ? BuildLog.ids(api) : Set.of();
        BuildProgress progress = new BuildProgress(err, Terminal.interactive(), (id == null ? "deploying " : "redeploying ") + file.getFileName());
        BuildLog log = id == null ? BuildLog.ofNewApp(api, progress, known, name) : BuildLog.ofApp(api, progress, id, since);
        JsonObject app;
        try {
            app = (id == null ? api.upload("POST", "/api/containers/upload", form) : api.upload("PUT", appPath(id), form)).json();
        } catch (RuntimeException e) {
            progress.finish();
            log.stop();
            throw e;
        }
        log.stop();
        showRest(api, progress, app.getString("id"), since);
        Duration took = progress.finish();
        if (json) {
            printJson(app);
            return;
        }
        out.println((id == null ? "deployed " : "redeployed ") + app.getString("name") + " (id " + app.getString("id")
                + (app.getValue("version") == null ? "" : ", version " + app.getValue("version")) + ", " + app.getString("status") + ") in "
                + BuildProgress.seconds(took));
        out.println(app.getString("endpoint"));
    }

    /** Just after the instant of the log's last line; null for an empty log. */
    static Instant after(String log) {
        List<String> lines = log.lines().toList();
        for (int i = lines.size() - 1; i >= 0; i--) {
            int space = lines.get(i).indexOf(' ');
            try {
                if (space > 0) return Instant.parse(lines.get(i).substring(0, space)).plusNanos(1);
            } catch (java.time.format.DateTimeParseException e) {
                // Not a timestamped line: the one before may be.
            }
        }
        return null;
    }

    /**
     * The log's lines the follow did not show: those written just before the answer, still on their way, or all of a
     * build too quick for a first upload's follow to find its app. Best effort: the deploy has succeeded either way.
     */
    private static void showRest(ApiClient api, BuildProgress progress, String appId, Instant since) {
        try {
            api.get(appPath(appId) + "/logs").body().lines().forEach(line -> progress.line(line, since));
        } catch (RuntimeException e) {
            // The log could not be read: what was shown stays.
        }
    }

    /** The upload's form, with DESIGN §2's field names; a usage error for a malformed --env. */
    MultipartBody form() {
        Map<String, String> variables = Assignments.parse(env);
        byte[] content = read(file);
        MultipartBody form = new MultipartBody().file("file", file.getFileName().toString(), content);
        if (name != null) form.field("name", name);
        if (requirements != null) form.field("requirements", requirements);
        if (!variables.isEmpty()) {
            JsonObject values = new JsonObject();
            variables.forEach(values::put);
            form.field("env", values.encode());
        }
        if (sleepAfter != null) form.field("sleepAfter", sleepAfter);
        if (isPrivate) form.field("private", "true");
        if (transport != null) form.field("transport", transport);
        if (alwaysOn) form.field("alwaysOn", "true");
        if (requestTimeout != null) form.field("requestTimeout", requestTimeout);
        return form;
    }

    private static byte[] read(Path file) {
        try {
            if (Files.isDirectory(file)) throw new CommandFailed("cannot deploy " + file + ": it is a directory; give one source file", null);
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new CommandFailed("cannot deploy " + file + ": no such file", e);
        } catch (IOException e) {
            throw new CommandFailed("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
