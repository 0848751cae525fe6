package io.slipway.cli.client;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code versions ID} and {@code rollback ID N}: every successful deploy is a numbered version, and any can be made active again. */
public final class VersionCommands {
    private VersionCommands() {
    }

    @Command(name = "versions", mixinStandardHelpOptions = true, version = io.slipway.cli.SlipwayCommand.VERSION, description = "List an app's versions, one per successful deploy; * marks the active one.")
    public static final class Versions extends AppCommand {
        @Override
        protected void run(ApiClient api) {
            JsonObject answer = supported("versions", api, () -> api.get(appPath(id) + "/versions").json());
            if (json) printJson(answer);
            else out.print(table(answer.getJsonArray("versions", new JsonArray())));
        }

        static String table(JsonArray versions) {
            List<List<String>> rows = new ArrayList<>();
            for (Object each : versions) {
                JsonObject version = (JsonObject) each;
                rows.add(List.of(version.getBoolean("active", false) ? "*" : "", String.valueOf(version.getValue("version")),
                        version.getString("createdAt", "-"), version.getString("entry", "-"), String.valueOf(version.getValue("requirements", "-"))));
            }
            return Table.of(List.of("", "VERSION", "CREATED", "ENTRY", "REQUIREMENTS"), rows);
        }
    }

    @Command(name = "rollback", mixinStandardHelpOptions = true, version = io.slipway.cli.SlipwayCommand.VERSION, description = "Make version N of an app the active one again (back or forward).")
    public static final class Rollback extends AppCommand {
        @Parameters(index = "1", paramLabel = "N", description = "the version to activate (see ./slipway versions ID)")
        int version;

        @Override
        protected void run(ApiClient api) {
            if (version < 1) throw new UsageError("N must be a version number, 1 or more");
            JsonObject app = supported("rollback", api, () -> api.sendJson("POST", appPath(id) + "/versions/" + version + "/activate",
                    new JsonObject()).json());
            if (json) {
                printJson(app);
                return;
            }
            out.println(id + " now runs version " + app.getValue("version", version) + " (" + app.getString("status", "?") + ")");
            out.println(app.getString("endpoint", ""));
        }
    }
}
