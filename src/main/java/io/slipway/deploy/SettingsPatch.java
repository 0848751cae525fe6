package io.slipway.deploy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.slipway.app.App;
import io.slipway.app.InvalidInputException;
import io.slipway.config.Plan;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A {@code PATCH /api/containers/servers/{id}}'s body: settings of an app changed without its code, each checked as an
 * upload's field is ({@link UploadValidator}, the plan's bounds included). A JSON merge patch (RFC 7396): a field given
 * changes, a field left out keeps its value; within {@code env}, a string sets a variable and {@code null} removes it.
 */
final class SettingsPatch {
    /** What a PATCH may change, as DESIGN §2 names it. */
    static final List<String> FIELDS = List.of("env", "sleepAfter", "private", "internet", "alwaysOn", "healthPath",
            "requestTimeout");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The app as the patch leaves it, and what it changed. */
    record Result(App app, List<String> changed) {
        /** The change reaches the app's process only through a new one: its environment, network or readiness probe. */
        boolean needsRestart() {
            return changed.stream().anyMatch(Set.of("env", "internet", "healthPath")::contains);
        }
    }

    private SettingsPatch() {
    }

    /** @param alwaysOnBesides how many of the owner's other apps are always on (asked only when this one is to be) */
    static Result apply(App app, String body, Plan plan, UploadValidator validator, Instant now, java.util.function.LongSupplier alwaysOnBesides) {
        JsonNode patch;
        try {
            patch = body == null || body.isBlank() ? null : JSON.readTree(body);
        } catch (JsonProcessingException e) {
            patch = null;
        }
        if (patch == null || !patch.isObject()) {
            throw new InvalidInputException("invalid-settings", "the body must be a JSON object of settings, such as "
                    + "{\"env\":{\"API_URL\":\"https://…\"},\"sleepAfter\":\"30m\"}; settable: " + String.join(", ", FIELDS));
        }
        for (Iterator<String> names = patch.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw new InvalidInputException("unknown-setting", "'" + name + "' is no setting a PATCH changes; settable: " + String.join(", ", FIELDS)
                        + " (new code is a PUT with a file)");
            }
        }
        Map<String, String> env = app.env();
        if (patch.has("env")) {
            JsonNode given = patch.get("env");
            if (!given.isObject()) throw new InvalidInputException("invalid-env", "env must be a JSON object: a string sets a variable, null removes it");
            env = validator.patchEnv(app.env(), given, true);
        }
        Duration sleepAfter = patch.has("sleepAfter") ? validator.sleepAfter(scalar(patch, "sleepAfter"), plan) : app.sleepAfter();
        boolean isPrivate = patch.has("private") ? bool(patch, "private") : app.isPrivate();
        boolean internet = patch.has("internet") ? bool(patch, "internet") && validator.internet("true") : app.internet();
        String healthPath = patch.has("healthPath") ? validator.healthPath(scalar(patch, "healthPath")) : app.healthPath();
        boolean alwaysOn = patch.has("alwaysOn") ? bool(patch, "alwaysOn") : app.alwaysOn();
        if (alwaysOn && !app.alwaysOn()) UptimeSettings.allowAlwaysOn(plan, alwaysOnBesides.getAsLong());
        Duration requestTimeout = !patch.has("requestTimeout") ? app.requestTimeout()
                : patch.get("requestTimeout").isNull() ? null : UptimeSettings.requestTimeout(scalar(patch, "requestTimeout"), plan);
        List<String> changed = new ArrayList<>();
        if (!env.equals(app.env())) changed.add("env");
        if (!sleepAfter.equals(app.sleepAfter())) changed.add("sleepAfter");
        if (isPrivate != app.isPrivate()) changed.add("private");
        if (internet != app.internet()) changed.add("internet");
        if (!healthPath.equals(app.healthPath())) changed.add("healthPath");
        if (alwaysOn != app.alwaysOn()) changed.add("alwaysOn");
        if (!java.util.Objects.equals(requestTimeout, app.requestTimeout())) changed.add("requestTimeout");
        if (changed.isEmpty()) return new Result(app, changed);
        App patched = new App(app.id(), app.owner(), app.name(), app.language(), app.entryFile(), app.requirements(), sleepAfter, env,
                app.status(), app.error(), app.codeHash(), app.depsKey(), internet, isPrivate, app.plan(), app.createdAt(), now,
                app.lastActiveAt(), healthPath, app.transport(), app.mcp(), alwaysOn, requestTimeout);
        return new Result(patched, List.copyOf(changed));
    }

    /** A string, or a number (seconds, for {@code sleepAfter}), as an upload's field would be sent. */
    private static String scalar(JsonNode patch, String field) {
        JsonNode value = patch.get(field);
        if (value.isTextual()) return value.textValue();
        if (value.isNumber()) return value.asText();
        String hint = switch (field) {
            case "sleepAfter" -> " such as \"30m\", or a number of seconds";
            case "requestTimeout" -> " such as \"30s\", or a number of seconds, or null for none";
            default -> "";
        };
        throw new InvalidInputException("invalid-" + kebab(field), field + " must be a string" + hint);
    }

    private static boolean bool(JsonNode patch, String field) {
        JsonNode value = patch.get(field);
        if (!value.isBoolean()) throw new InvalidInputException("invalid-" + kebab(field), field + " must be true or false");
        return value.booleanValue();
    }

    private static String kebab(String field) {
        return field.replaceAll("([a-z])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
    }
}
