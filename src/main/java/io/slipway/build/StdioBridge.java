package io.slipway.build;

import io.slipway.app.InvalidInputException;
import io.slipway.app.Language;
import io.slipway.logs.LogSink;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Slipway's bridge for stdio MCP servers (upload field {@code transport=stdio}): written into the code layer beside the
 * server, it is the entry the app runs, so it runs in the app's sandbox under the app's limits. It listens on {@code
 * $HOST:$PORT} only, serves Streamable HTTP at {@code /mcp} with the official SDK's server transport, and gives each MCP
 * session a process of the server of its own, spawned with the SDK's stdio client transport, whose stderr is the app's
 * log. The SDK is the app's own: {@link #requireSdk} refuses a stdio upload whose requirements lack it.
 *
 * <p>One process per session because a stdio server is written for one client: it expects one {@code initialize}, keeps
 * what it knows of its client in its process, and numbers its own requests to that client; sharing one process among
 * sessions would need a multiplexer that rewrites every id and guesses whom each server request is for.
 *
 * <p>The first process starts with the bridge, which listens only once that process has answered a ping (which MCP
 * allows before {@code initialize}): a server that fails at start makes the app's start fail with the server's own
 * exit code, its stderr in the log tail.
 */
public final class StdioBridge {
    private static final String PLACEHOLDER = "__SLIPWAY_SERVER__";
    private static final Pattern SERVER_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*\\.(mjs|cjs|py)");
    private static final String NODE_TEMPLATE = load("stdio-bridge.mjs");
    private static final String PYTHON_TEMPLATE = load("stdio-bridge.py");

    private StdioBridge() {
    }

    /** The bridge's name in the code layer, which an upload may not take (with any extension). */
    public static String fileName(Language language) {
        return switch (language) {
            case NODE -> "slipway-stdio-bridge.mjs";
            case PYTHON -> "slipway-stdio-bridge.py";
        };
    }

    /** The package the bridge (and any stdio server in that language) is built on. */
    public static String sdk(Language language) {
        return switch (language) {
            case NODE -> "@modelcontextprotocol/sdk";
            case PYTHON -> "mcp";
        };
    }

    /**
     * @param requirements parsed as {@link Requirements#parse} gives them
     * @throws InvalidInputException {@code missing-mcp-sdk} when none of them is the SDK, saying what to add
     */
    public static void requireSdk(Language language, List<String> requirements) {
        String sdk = sdk(language);
        if (requirements.stream().map(spec -> Requirements.name(language, spec)).anyMatch(sdk::equals)) return;
        String example = language == Language.NODE ? "@modelcontextprotocol/sdk zod" : "mcp";
        throw new InvalidInputException("missing-mcp-sdk", "a stdio server (transport=stdio) runs behind Slipway's bridge, which is "
                + "built on the official MCP SDK your server uses: add " + sdk + " to requirements (e.g. requirements=" + example + ")");
    }

    /**
     * Writes the bridge into {@code code}, to serve {@code server} (the file that would otherwise run, in that
     * directory); returns the entry.
     */
    static String write(Path code, Language language, String server, LogSink log) throws IOException {
        String entry = fileName(language);
        if (!SERVER_NAME.matcher(server).matches() || server.equals(entry)) {
            throw new IllegalArgumentException("not a server the stdio bridge can run: " + server);
        }
        String template = language == Language.NODE ? NODE_TEMPLATE : PYTHON_TEMPLATE;
        Files.writeString(code.resolve(entry), template.replace(PLACEHOLDER, server), StandardCharsets.UTF_8);
        log.event("entry " + entry + ", Slipway's bridge: it serves the stdio MCP server " + server
                + " as Streamable HTTP at /mcp, a process of it per session");
        return entry;
    }

    private static String load(String resource) {
        try (InputStream in = StdioBridge.class.getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException(resource + " is missing from Slipway's jar");
            String template = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            if (!template.contains(PLACEHOLDER)) throw new IllegalStateException(resource + " names no server to run");
            return template;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
