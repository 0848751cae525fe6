package io.slipway.cli.client;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;

/** {@code usage}: this month's metered use against the plan's limits, in total and per app. */
@Command(name = "usage", mixinStandardHelpOptions = true, version = io.slipway.cli.SlipwayCommand.VERSION, description = "Show your plan, its limits and this month's use, in total and per app.")
public final class UsageCommand extends ClientCommand {
    @Override
    protected void run(ApiClient api) {
        JsonObject usage = api.get("/api/usage").json();
        if (json) printJson(usage);
        else out.print(describe(usage));
    }

    static String describe(JsonObject usage) {
        JsonObject limits = usage.getJsonObject("limits", new JsonObject());
        JsonObject total = usage.getJsonObject("total", new JsonObject());
        StringBuilder text = new StringBuilder(Table.fields(List.of(
                new String[] {"plan", usage.getString("plan")},
                new String[] {"month", usage.getString("month")},
                new String[] {"apps", total.getValue("apps", 0) + " of " + limits.getValue("apps", "-")},
                new String[] {"active", total.getValue("activeSeconds", 0) + " s of " + limits.getValue("activeSecondsPerMonth", "-")
                        + " s this month (" + total.getValue("activeSecondsLeft", "-") + " s left)"},
                new String[] {"requests", String.valueOf(total.getValue("requests", 0))},
                new String[] {"bytes", total.getValue("bytesIn", 0) + " in, " + total.getValue("bytesOut", 0) + " out"},
                new String[] {"memory", limits.getString("memory")},
                new String[] {"cpus", limits.getValue("cpus") == null ? null : String.valueOf(limits.getValue("cpus"))},
                new String[] {"storage", limits.getString("storage") == null ? null : limits.getString("storage") + " of /data per app"})));
        JsonArray apps = usage.getJsonArray("apps", new JsonArray());
        if (!apps.isEmpty()) {
            List<List<String>> rows = new ArrayList<>();
            for (Object each : apps) {
                JsonObject app = (JsonObject) each;
                rows.add(List.of(app.getString("id", "-"), app.getString("name", "-"), String.valueOf(app.getValue("activeSeconds", 0)),
                        String.valueOf(app.getValue("requests", 0))));
            }
            text.append('\n').append(Table.of(List.of("ID", "NAME", "ACTIVE_S", "REQUESTS"), rows));
        }
        return text.toString();
    }
}
