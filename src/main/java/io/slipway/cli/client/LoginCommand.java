package io.slipway.cli.client;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code login --server URL [--token T]}: checks the token against the server ({@code GET /api/usage}) and only then keeps
 * both in {@link ClientConfig}'s file. Without {@code --token}, the token is read from stdin, with a prompt that does not
 * echo when stdin is a terminal.
 */
@Command(name = "login", mixinStandardHelpOptions = true, version = io.slipway.cli.SlipwayCommand.VERSION, description = {"Remember a server and a token for the other commands.",
        "Kept in $XDG_CONFIG_HOME/slipway/config.json (default ~/.config), readable by you alone; SLIPWAY_SERVER and SLIPWAY_TOKEN override it.",
        "Without --token, the token is read from stdin (e.g. ./slipway token --user alice | ./slipway login --server URL)."})
public final class LoginCommand extends ClientCommand {
    @Option(names = "--server", required = true, paramLabel = "URL", description = "the server, e.g. http://localhost:3000")
    String server;
    @Option(names = "--token", paramLabel = "T", description = "a token (JWT) for it; read from stdin when left out")
    String token;

    private URI uri;
    private String checked;

    @Override
    protected ClientConfig.Connection connection() {
        uri = ClientConfig.serverUri(server);
        checked = token != null ? token.strip() : readToken();
        if (checked.isEmpty()) throw new UsageError("no token given: pass --token, or give it on stdin");
        return new ClientConfig.Connection(uri, checked);
    }

    @Override
    protected void run(ApiClient api) {
        JsonObject usage = api.get("/api/usage").json();
        ClientConfig config = config();
        config.save(uri, checked);
        if (json) {
            printJson(new JsonObject().put("server", uri.toString()).put("plan", usage.getString("plan")).put("config", config.file().toString()));
            return;
        }
        out.println("logged in to " + uri + " (plan " + usage.getString("plan", "?") + "); saved in " + config.file());
    }

    private static String readToken() {
        if (Terminal.interactive()) {
            char[] typed = System.console().readPassword("Token for the server: ");
            return typed == null ? "" : new String(typed).strip();
        }
        try {
            String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            return line == null ? "" : line.strip();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the token from stdin", e);
        }
    }
}
