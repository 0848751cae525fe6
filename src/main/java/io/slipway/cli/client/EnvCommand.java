package io.slipway.cli.client;

import io.vertx.core.json.JsonObject;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code env set ID K=V…} and {@code env unset ID K…}: change an app's environment without re-sending its code, through
 * {@code PATCH /api/containers/servers/{id}} (DESIGN §2) with a merge patch (RFC 7396) of {@code env}: the named variables
 * are set, or removed with {@code null}, the others kept. The server restarts a running app with them.
 */
@Command(name = "env", mixinStandardHelpOptions = true, version = io.slipway.cli.SlipwayCommand.VERSION, description = "Set or unset an app's environment variables.",
        subcommands = {EnvCommand.Set.class, EnvCommand.Unset.class})
public final class EnvCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "say 'set' or 'unset'");
    }

    @Command(name = "set", mixinStandardHelpOptions = true, version = io.slipway.cli.SlipwayCommand.VERSION, description = "Set variables (K=V) of an app; a running app restarts with them.")
    public static final class Set extends AppCommand {
        @Parameters(index = "1..*", arity = "1..*", paramLabel = "K=V", description = "variables to set")
        List<String> assignments;

        @Override
        protected void run(ApiClient api) {
            JsonObject env = new JsonObject();
            Assignments.parse(assignments).forEach(env::put);
            patch(this, api, id, env);
        }
    }

    @Command(name = "unset", mixinStandardHelpOptions = true, version = io.slipway.cli.SlipwayCommand.VERSION, description = "Remove variables of an app; a running app restarts without them.")
    public static final class Unset extends AppCommand {
        @Parameters(index = "1..*", arity = "1..*", paramLabel = "K", description = "names of the variables to remove")
        List<String> names;

        @Override
        protected void run(ApiClient api) {
            JsonObject env = new JsonObject();
            for (String name : names) env.putNull(Assignments.name(name));
            patch(this, api, id, env);
        }
    }

    private static void patch(ClientCommand command, ApiClient api, String id, JsonObject env) {
        JsonObject app = ClientCommand.supported("env", api, () -> api.sendJson("PATCH", ClientCommand.appPath(id), new JsonObject().put("env", env)).json());
        if (command.json) command.printJson(app);
        else command.out.println("updated " + id + " (" + app.getString("status", "?") + ")");
    }
}
