package io.slipway.deploy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.slipway.app.InvalidInputException;
import io.slipway.app.Language;
import io.slipway.build.Requirements;
import io.slipway.build.StdioBridge;
import io.slipway.build.WorkersShim;
import io.slipway.config.Durations;
import io.slipway.config.Plan;
import io.slipway.config.SlipwayConfig;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The rules an upload must pass before anything is written. Each check throws {@link InvalidInputException} with a
 * stable slug and a message that names the field and what is expected.
 */
public final class UploadValidator {
    /** RFC 3986's path and query characters, visible ASCII only. */
    private static final Pattern HEALTH_PATH = Pattern.compile("/[A-Za-z0-9\\-._~!$&'()*+,;=:@/%?]{0,255}");
    private static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");
    private static final Set<String> EXTENSIONS = Set.of(".js", ".mjs", ".ts", ".py");
    private static final Pattern APP_NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");
    private static final Set<String> RESERVED_ENV = Set.of("PORT", "HOST", "NODE_ENV", "PATH", "HOME", "SLIPWAY_SANDBOX", "PUBLIC_URL");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SlipwayConfig config;

    public UploadValidator(SlipwayConfig config) {
        this.config = config;
    }

    /** A fully checked upload; for a redeploy, fields not sent take {@code current}'s values. */
    public record Valid(String fileName, byte[] content, String name, Language language, List<String> requirements,
                        Duration sleepAfter, Map<String, String> env, boolean internet, boolean isPrivate, String healthPath,
                        io.slipway.app.Transport transport, String mcp, boolean alwaysOn, Duration requestTimeout) {
    }

    /** @param plan bounds {@code sleepAfter} (its bound is also the default's ceiling) and {@code requestTimeout} */
    public Valid validate(Upload upload, Valid current, Plan plan) {
        String fileName = fileName(upload.fileName());
        byte[] content = content(upload.content());
        Language language = language(upload.runtime(), fileName);
        String name = upload.name() != null ? name(upload.name()) : current != null ? current.name() : defaultName(fileName);
        List<String> requirements = upload.requirements() != null || current == null
                ? Requirements.parse(language, upload.requirements(), config.upload().maxRequirements())
                : current.language() == language ? current.requirements() : List.of();
        Duration sleepAfter = upload.sleepAfter() != null ? sleepAfter(upload.sleepAfter(), plan)
                : current != null ? current.sleepAfter() : min(config.apps().defaultSleepAfter(), plan.maxSleepAfter());
        Map<String, String> env = upload.env() != null ? env(upload.env()) : current != null ? current.env() : Map.of();
        boolean internet = upload.internet() != null ? internet(upload.internet()) : current != null && current.internet();
        boolean isPrivate = upload.isPrivate() != null ? bool("private", upload.isPrivate()) : current != null && current.isPrivate();
        String healthPath = upload.healthPath() != null ? healthPath(upload.healthPath())
                : current != null ? current.healthPath() : io.slipway.app.App.DEFAULT_HEALTH_PATH;
        io.slipway.app.Transport transport = upload.transport() != null ? transport(upload.transport())
                : current != null ? current.transport() : io.slipway.app.Transport.HTTP;
        String mcp = mcp(upload.mcp() != null ? upload.mcp() : current != null ? current.mcp() : io.slipway.app.App.MCP_AUTO, transport);
        if (transport == io.slipway.app.Transport.STDIO) StdioBridge.requireSdk(language, requirements);
        // The plan's count of always-on apps is the deployment's to check, which knows the owner's other apps.
        boolean alwaysOn = upload.alwaysOn() != null ? UptimeSettings.alwaysOn(upload.alwaysOn()) : current != null && current.alwaysOn();
        Duration requestTimeout = upload.requestTimeout() != null ? UptimeSettings.requestTimeout(upload.requestTimeout(), plan)
                : current != null ? current.requestTimeout() : null;
        return new Valid(fileName, content, name, language, requirements, sleepAfter, env, internet, isPrivate, healthPath, transport, mcp,
                alwaysOn, requestTimeout);
    }

    io.slipway.app.Transport transport(String raw) {
        return io.slipway.app.Transport.fromId(raw).orElseThrow(() -> new InvalidInputException("invalid-transport", "transport '" + printable(raw)
                + "' must be http (the app serves HTTP on $PORT) or stdio (the file is a stdio MCP server, which Slipway serves at /mcp)"));
    }

    /** {@code auto}, {@code off} or a path, checked as {@link #healthPath} is; a stdio server is served at {@code /mcp} only. */
    String mcp(String raw, io.slipway.app.Transport transport) {
        if (!raw.equals(io.slipway.app.App.MCP_AUTO) && !raw.equals(io.slipway.app.App.MCP_OFF)) {
            try {
                healthPath(raw);
            } catch (InvalidInputException e) {
                throw new InvalidInputException("invalid-mcp", "mcp '" + printable(raw) + "' must be auto (look for MCP at /mcp), off, or a path "
                        + "such as /api/mcp: starting with a single '/', at most 256 characters, no spaces, control characters or '..' segments");
            }
            if (transport == io.slipway.app.Transport.STDIO && !raw.equals(io.slipway.app.App.DEFAULT_MCP_PATH)) {
                throw new InvalidInputException("invalid-mcp", "a stdio server is served at /mcp: mcp may be auto, off or /mcp for it, not '" + printable(raw) + "'");
            }
        }
        return raw;
    }

    /**
     * The path a start's readiness probe requests: an origin-form path (and query) of at most 256 printable ASCII
     * characters without spaces, such as {@code /healthz}: so that a route with side effects is not called at every
     * start. It goes on the probe's request line as it is, so nothing that would end or split that line passes.
     */
    String healthPath(String raw) {
        if (!HEALTH_PATH.matcher(raw).matches() || raw.startsWith("//") || raw.contains("/../") || raw.endsWith("/..")) {
            throw new InvalidInputException("invalid-health-path", "healthPath '" + printable(raw) + "' must be a path such as /healthz: it "
                    + "starts with a single '/', has at most 256 characters, and no spaces, control characters or '..' segments");
        }
        return raw;
    }

    String fileName(String raw) {
        if (raw == null || raw.isEmpty()) throw new InvalidInputException("missing-file", "the multipart field 'file' is required and must carry a file name");
        if (!FILE_NAME.matcher(raw).matches() || raw.contains("..")) {
            throw new InvalidInputException("invalid-file-name", "file name '" + printable(raw) + "' must be a plain name "
                    + "(letters, digits, '.', '_', '-'; no path), such as index.ts or app.py");
        }
        String lower = raw.toLowerCase(Locale.ROOT);
        if (EXTENSIONS.stream().noneMatch(lower::endsWith) || lower.indexOf('.') == lower.length() - 1) {
            throw new InvalidInputException("unsupported-file-type", "file '" + raw + "' must end in .js, .mjs, .ts or .py");
        }
        // Any extension: index.js and index.ts become index.mjs when they are ES modules, and so would this one.
        String base = raw.substring(0, raw.lastIndexOf('.'));
        if (base.equals(baseName(WorkersShim.FILE_NAME)) || base.equals(baseName(StdioBridge.fileName(Language.NODE)))) {
            throw new InvalidInputException("invalid-file-name", "file name '" + raw + "' is Slipway's own (its server for "
                    + (base.equals(baseName(WorkersShim.FILE_NAME)) ? "Workers-style modules" : "stdio MCP servers")
                    + "); name the file otherwise, such as index.mjs");
        }
        return raw;
    }

    private static String baseName(String fileName) {
        return fileName.substring(0, fileName.lastIndexOf('.'));
    }

    byte[] content(byte[] content) {
        if (content == null || content.length == 0) throw new InvalidInputException("empty-file", "the uploaded file is empty");
        long max = config.upload().maxFileSize().bytes();
        if (content.length > max) {
            throw InvalidInputException.tooLarge("file-too-large", "the file has " + content.length + " bytes; at most " + config.upload().maxFileSize() + " are allowed");
        }
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(content));
        } catch (CharacterCodingException e) {
            throw new InvalidInputException("invalid-file-content", "the file is not UTF-8 text");
        }
        for (byte b : content) {
            if (b == 0) throw new InvalidInputException("invalid-file-content", "the file contains NUL bytes; source code is text");
        }
        return content;
    }

    Language language(String runtime, String fileName) {
        Language implied = Language.forFileName(fileName).orElseThrow();
        if (runtime == null || runtime.isBlank()) return implied;
        Language chosen = Language.fromId(runtime.trim()).orElseThrow(() -> new InvalidInputException("invalid-runtime",
                "runtime '" + printable(runtime) + "' is not one of: node, python"));
        if (chosen != implied) {
            throw new InvalidInputException("invalid-runtime", "runtime '" + chosen.id() + "' cannot run '" + fileName
                    + "' (.js, .mjs and .ts run on node, .py on python)");
        }
        return chosen;
    }

    String name(String raw) {
        if (!APP_NAME.matcher(raw).matches()) {
            throw new InvalidInputException("invalid-name", "name '" + printable(raw) + "' must be 1-63 lowercase letters, digits "
                    + "or '-', starting and ending with a letter or digit");
        }
        return raw;
    }

    static String defaultName(String fileName) {
        String base = fileName.substring(0, fileName.lastIndexOf('.')).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-")
                .replaceAll("^-+|-+$", "");
        if (base.length() > 63) base = base.substring(0, 63).replaceAll("-+$", "");
        return base.isEmpty() ? "app" : base;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    Duration sleepAfter(String raw, Plan plan) {
        Duration d;
        try {
            d = Durations.parse(raw);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("invalid-sleep-after", "sleepAfter '" + printable(raw) + "' is not a duration such as 30s, 10m, 2h or a number of seconds");
        }
        if (d.compareTo(Duration.ofSeconds(1)) < 0) throw new InvalidInputException("invalid-sleep-after", "sleepAfter must be at least 1s");
        Duration max = min(config.apps().maxSleepAfter(), plan.maxSleepAfter());
        if (d.compareTo(max) > 0) {
            throw new InvalidInputException("invalid-sleep-after", "sleepAfter must be at most " + Durations.format(max)
                    + " on the " + plan.name() + " plan");
        }
        return d;
    }

    Map<String, String> env(String raw) {
        if (raw.isBlank()) return Map.of();
        if (raw.length() > config.upload().maxEnvSize().bytes()) {
            throw new InvalidInputException("invalid-env", "env is larger than " + config.upload().maxEnvSize());
        }
        JsonNode node;
        try {
            node = JSON.readTree(raw);
        } catch (JsonProcessingException e) {
            throw new InvalidInputException("invalid-env", "env must be a JSON object of string values, e.g. {\"API_URL\":\"https://…\"}");
        }
        if (node == null || !node.isObject()) throw new InvalidInputException("invalid-env", "env must be a JSON object of string values");
        return patchEnv(Map.of(), node, false);
    }

    /**
     * {@code current} changed by {@code patch}, a JSON object whose string values set variables and, where {@code
     * nullRemoves} (a PATCH's JSON merge patch, RFC 7396), whose nulls remove them; the result checked as an upload's
     * {@code env} is (names, Slipway's own names, values, how many, how large).
     */
    Map<String, String> patchEnv(Map<String, String> current, JsonNode patch, boolean nullRemoves) {
        Map<String, String> env = new LinkedHashMap<>(current);
        for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!ENV_NAME.matcher(e.getKey()).matches()) {
                throw new InvalidInputException("invalid-env", "env name '" + printable(e.getKey()) + "' must match [A-Za-z_][A-Za-z0-9_]*");
            }
            if (RESERVED_ENV.contains(e.getKey())) throw new InvalidInputException("invalid-env", "env name '" + e.getKey() + "' is set by Slipway");
            if (nullRemoves && e.getValue().isNull()) {
                env.remove(e.getKey());
                continue;
            }
            if (!e.getValue().isTextual()) {
                throw new InvalidInputException("invalid-env", "env value of '" + e.getKey() + "' must be a string" + (nullRemoves ? " (or null, to remove it)" : ""));
            }
            if (e.getValue().textValue().indexOf('\0') >= 0) throw new InvalidInputException("invalid-env", "env value of '" + e.getKey() + "' contains a NUL byte");
            env.put(e.getKey(), e.getValue().textValue());
        }
        if (env.size() > config.upload().maxEnvEntries()) {
            throw new InvalidInputException("invalid-env", "env has " + env.size() + " entries; at most " + config.upload().maxEnvEntries() + " are allowed");
        }
        try {
            // An upload's env was measured as sent, before it was parsed; a patched one as it is now.
            if (nullRemoves && JSON.writeValueAsString(env).length() > config.upload().maxEnvSize().bytes()) {
                throw new InvalidInputException("invalid-env", "env is larger than " + config.upload().maxEnvSize());
            }
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        return env;
    }

    /**
     * Outbound internet is a per-app setting, off by default. Where the operator has not enabled egress, an app that
     * asks for it is told now rather than failing at its first outbound call.
     */
    boolean internet(String raw) {
        if (!bool("internet", raw)) return false;
        if (!config.sandbox().enabled() || config.sandbox().egress() == SlipwayConfig.SandboxSettings.Egress.NONE) {
            throw new InvalidInputException("internet-unavailable", "outbound internet is not enabled on this Slipway "
                    + "(sandbox.egress is none): apps reach nothing beyond their own loopback; deploy with internet=false or "
                    + "ask the operator to set sandbox.egress=nat");
        }
        return true;
    }

    private static boolean bool(String field, String raw) {
        return switch (raw.trim()) {
            case "", "false" -> false;
            case "true" -> true;
            default -> throw new InvalidInputException("invalid-" + field, field + " must be true or false");
        };
    }

    static String printable(String s) {
        String p = s.replaceAll("\\p{Cntrl}", "?");
        return p.length() > 80 ? p.substring(0, 80) + "…" : p;
    }
}
