package io.slipway.cli.client;

import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code logs ID [-f]}: the app's log (stdout, stderr and Slipway's own lines), or with {@code -f} followed as it grows. */
@Command(name = "logs", mixinStandardHelpOptions = true, version = io.slipway.cli.SlipwayCommand.VERSION, description = {"Print an app's log: its output and Slipway's [slipway] lines.",
        "With -f, follow it until Ctrl-C or the app is deleted."})
public final class LogsCommand extends AppCommand {
    @Option(names = {"-f", "--follow"}, description = "keep printing new lines as they are written")
    boolean follow;

    @Override
    protected void run(ApiClient api) {
        if (!follow) {
            String text = api.get(appPath(id) + "/logs").body();
            if (json) printJson(new JsonObject().put("id", id).put("log", text));
            else out.print(text);
            return;
        }
        try (EventStream stream = api.stream(appPath(id) + "/logs?follow=true")) {
            stream.read(event -> {
                switch (event.type()) {
                    case "end" -> {
                        err.println("slipway: " + event.data());
                        return false;
                    }
                    case "dropped" -> err.println("slipway: " + event.data());
                    default -> print(event);
                }
                return true;
            });
        }
    }

    private void print(EventStream.Event event) {
        if (json) out.println(new JsonObject().put("line", event.data()).encode());
        else out.println(event.data());
        out.flush();
    }
}
