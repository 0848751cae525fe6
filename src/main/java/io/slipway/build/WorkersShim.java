package io.slipway.build;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Slipway's own server for Workers-style modules, whose default export has {@code fetch(request, env, ctx)}, as on
 * Cloudflare Workers. An ES module with a default export runs behind it: written into the code layer as {@link
 * #FILE_NAME}, it is the entry node runs, and it imports the module. If the default export has a {@code fetch}
 * method, it listens on {@code $HOST:$PORT} and hands each request to it as a Web {@code Request}, with the app's
 * environment as {@code env}, streaming the {@code Response} back chunk by chunk; if the module listens on {@code $PORT}
 * itself while it loads, or has no {@code fetch}, it stands aside and the module runs as it would alone. Which of these
 * is known only once the module has run, so it is decided there, in the app's sandbox, and said in the app's log.
 *
 * <p>The server ({@code workers-shim.mjs}) needs node 18 or later and no npm package. WebSocket upgrades are answered
 * {@code 501}: there is no {@code WebSocketPair}.
 */
public final class WorkersShim {
    /** The shim's name in the code layer, which an upload may not take. */
    public static final String FILE_NAME = "slipway-workers-shim.mjs";
    private static final String PLACEHOLDER = "__SLIPWAY_MODULE__";
    private static final Pattern MODULE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*\\.mjs");
    private static final String TEMPLATE = load();

    private WorkersShim() {
    }

    /**
     * Writes the server into {@code code}, to run {@code module} (an ES module in that directory); returns the entry.
     *
     * @param module a plain file name ending in {@code .mjs}, as uploads are named
     */
    static String write(Path code, String module) throws IOException {
        if (!MODULE_NAME.matcher(module).matches() || module.equals(FILE_NAME)) {
            throw new IllegalArgumentException("not a module the Workers shim can run: " + module);
        }
        Files.writeString(code.resolve(FILE_NAME), TEMPLATE.replace(PLACEHOLDER, module), StandardCharsets.UTF_8);
        return FILE_NAME;
    }

    private static String load() {
        try (InputStream in = WorkersShim.class.getResourceAsStream("workers-shim.mjs")) {
            if (in == null) throw new IllegalStateException("workers-shim.mjs is missing from Slipway's jar");
            String template = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            if (!template.contains(PLACEHOLDER)) throw new IllegalStateException("workers-shim.mjs names no module to run");
            return template;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
