package io.slipway.cli.client;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;

/** The commands about the apps one has: {@code ls}, {@code status ID}, {@code rm ID}. */
public final class AppCommands {
    private AppCommands() {
    }

    @Command(name = "ls", mixinStandardHelpOptions = true, version = io.slipway.cli.SlipwayCommand.VERSION, description = "List your apps, newest first: id, name, status, endpoint.")
    public static final class ListApps extends ClientCommand {
        @Override
        protected void run(ApiClient api) {
            JsonObject answer = api.get("/api/mcp-projects").json();
            if (json) {
                printJson(answer);
                return;
            }
            out.print(table(answer.getJsonArray("projects", new JsonArray())));
        }

        static String table(JsonArray projects) {
            List<List<String>> rows = new ArrayList<>();
            for (Object project : projects) {
                JsonObject app = (JsonObject) project;
                rows.add(List.of(app.getString("id", "-"), app.getString("name", "-"), app.getString("status", "-"), app.getString("endpoint", "-")));
            }
            return Table.of(List.of("ID", "NAME", "STATUS", "ENDPOINT"), rows);
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, version = io.slipway.cli.SlipwayCommand.VERSION, description = "Show one app: its status, endpoint, version, activity and use this month.")
    public static final class Status extends AppCommand {
        @Override
        protected void run(ApiClient api) {
            JsonObject app = api.get(appPath(id)).json();
            if (json) printJson(app);
            else out.print(describe(app));
        }

        static String describe(JsonObject app) {
            JsonObject usage = app.getJsonObject("usage", new JsonObject());
            JsonObject mcp = app.getJsonObject("mcp");
            List<String[]> fields = new ArrayList<>();
            for (String key : List.of("id", "name", "runtime", "status", "error", "endpoint", "version", "requirements", "sleepAfter",
                    "createdAt", "updatedAt", "lastActiveAt")) {
                Object value = app.getValue(key);
                if (value instanceof JsonArray list) value = list.isEmpty() ? "-" : String.join(" ", list.stream().map(String::valueOf).toList());
                fields.add(new String[] {key, value == null ? null : String.valueOf(value)});
            }
            fields.add(new String[] {"activeSeconds", String.valueOf(usage.getValue("activeSeconds", 0))});
            fields.add(new String[] {"requests", String.valueOf(usage.getValue("requests", 0))});
            Object stored = usage.getValue("storageBytes");
            fields.add(new String[] {"storageBytes", stored == null ? null : String.valueOf(stored)});
            if (mcp != null) {
                fields.add(new String[] {"mcp", mcp.getString("path", "/mcp") + ", " + mcp.getJsonArray("tools", new JsonArray()).size() + " tools"});
            }
            return Table.fields(fields);
        }
    }

    @Command(name = "rm", mixinStandardHelpOptions = true, version = io.slipway.cli.SlipwayCommand.VERSION, description = "Delete an app: stops it, removes its code, data and logs.")
    public static final class Remove extends AppCommand {
        @Override
        protected void run(ApiClient api) {
            api.delete(appPath(id));
            if (json) printJson(new JsonObject().put("id", id).put("deleted", true));
            else out.println("deleted " + id);
        }
    }
}
