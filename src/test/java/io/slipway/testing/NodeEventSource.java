package io.slipway.testing;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The {@code eventsource} npm package, a WHATWG-conformant EventSource for Node, as a client of a Slipway event stream:
 * what a browser's EventSource would deliver to its listeners. Installed once per build directory.
 */
public final class NodeEventSource {
    private static final String PACKAGE = "eventsource@4.1.1";
    private static final Path DIR = Path.of("target/eventsource-client").toAbsolutePath();
    private static final Path NPM_CACHE = Path.of("target/eventsource-client-npm-cache").toAbsolutePath();
    /** Listens for messages and for events of the given types; prints each as a JSON line; exits after `until`. */
    private static final String SCRIPT = """
            import { EventSource } from "eventsource";
            const [url, token, until, ...types] = process.argv.slice(2);
            const source = new EventSource(url, {
              fetch: (input, init) => fetch(input, { ...init, headers: { ...init.headers, Authorization: `Bearer ${token}` } }),
            });
            const print = (e) => {
              console.log(JSON.stringify({ type: e.type, data: e.data, lastEventId: e.lastEventId }));
              if (e.data.includes(until)) { source.close(); process.exit(0); }
            };
            for (const type of ["message", ...types]) source.addEventListener(type, print);
            source.onerror = (e) => console.error("error:", e.message ?? e.type);
            setTimeout(() => { source.close(); process.exit(3); }, 30000);
            """;

    /** An event as the listener got it. */
    public record Received(String type, String data, String lastEventId) {
    }

    private NodeEventSource() {
    }

    /**
     * Follows {@code url} with {@code token} until an event whose data contains {@code until} (30 s at most), listening
     * for messages and the events named in {@code types}.
     */
    public static List<Received> follow(URI url, String token, String until, String... types) throws IOException, InterruptedException {
        install();
        Path out = Files.createTempFile("eventsource", ".out");
        Path err = Files.createTempFile("eventsource", ".err");
        List<String> command = new java.util.ArrayList<>(List.of("/usr/bin/node", "follow.mjs", url.toString(), token, until));
        command.addAll(List.of(types));
        Process node = new ProcessBuilder(command).directory(DIR.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!node.waitFor(60, TimeUnit.SECONDS)) {
            node.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError("the EventSource client did not finish in 60 s; stderr: " + Files.readString(err));
        }
        if (node.exitValue() != 0) {
            throw new AssertionError("the EventSource client exited with " + node.exitValue() + " before '" + until + "'; stderr: "
                    + Files.readString(err) + "; stdout: " + Files.readString(out));
        }
        return Files.readAllLines(out, StandardCharsets.UTF_8).stream().filter(l -> l.startsWith("{")).map(JsonObject::new)
                .map(j -> new Received(j.getString("type"), j.getString("data"), j.getString("lastEventId"))).toList();
    }

    private static synchronized void install() throws IOException, InterruptedException {
        Files.createDirectories(DIR);
        Path installed = DIR.resolve("node_modules/eventsource/package.json");
        if (!Files.exists(installed) || !PACKAGE.endsWith("@" + new JsonObject(Files.readString(installed)).getString("version"))) {
            Files.writeString(DIR.resolve("package.json"), "{\"name\":\"slipway-eventsource-client\",\"private\":true}\n");
            Path log = DIR.resolve("npm-install.log");
            ProcessBuilder npm = new ProcessBuilder("npm", "install", "--no-audit", "--no-fund", PACKAGE)
                    .directory(DIR.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
            // Not TestServer.NPM_CACHE, which sandboxed builds must be able to use: this npm runs as root.
            npm.environment().put("npm_config_cache", NPM_CACHE.toString());
            npm.environment().put("npm_config_update_notifier", "false");
            Process process = npm.start();
            if (!process.waitFor(5, TimeUnit.MINUTES) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new AssertionError("npm install " + PACKAGE + " failed: " + Files.readString(log));
            }
        }
        Files.writeString(DIR.resolve("follow.mjs"), SCRIPT);
    }
}
