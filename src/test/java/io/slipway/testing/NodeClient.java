package io.slipway.testing;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A directory under {@code target/} with npm packages installed in it once per build directory (later runs reuse them),
 * where tests run node scripts: the clients users have (the MCP SDK's, the {@code ws} package) rather than ours.
 */
public final class NodeClient {
    public static final String NODE = "/usr/bin/node";
    /**
     * Not {@link TestServer#NPM_CACHE}: entries this root-run npm wrote there would be root-owned, and the sandboxed
     * builds, which run as the build uid and own only that cache's top directory, would then fail with EACCES.
     */
    private static final Path NPM_CACHE = Path.of("target/client-npm-cache").toAbsolutePath();
    private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(5);

    private final Path dir;

    private NodeClient(Path dir) {
        this.dir = dir;
    }

    /** The result of one script run. */
    public record Run(int exitCode, String stdout, String stderr) {
    }

    /**
     * {@code target/<name>} with {@code packages} (exact {@code name@version} specs) installed, by npm only when one of
     * them is missing or at another version.
     */
    public static NodeClient install(String name, String... packages) {
        NodeClient client = new NodeClient(Path.of("target", name).toAbsolutePath());
        try {
            Files.createDirectories(client.dir);
            if (!List.of(packages).stream().allMatch(client::hasInstalled)) client.npmInstall(packages);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return client;
    }

    public Path dir() {
        return dir;
    }

    /** Writes {@code content} to {@code fileName} in this directory (scripts there find its packages); returns its path. */
    public Path write(String fileName, String content) {
        try {
            return Files.writeString(dir.resolve(fileName), content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs {@code node script args…} in this directory and waits for it to exit, at most {@code timeout}. */
    public Run run(Duration timeout, String script, String... args) {
        return run(timeout, Map.of(), script, args);
    }

    /** {@link #run(Duration, String, String...)} with {@code env} added to the script's environment. */
    public Run run(Duration timeout, Map<String, String> env, String script, String... args) {
        Commands.Result ended = Commands.run(command(script, args), dir, env, timeout);
        return new Run(ended.exitCode(), ended.stdout(), ended.stderr());
    }

    /** Starts {@code node script args…} in this directory with {@code env} added, its output going to {@code log}. */
    public Process start(Map<String, String> env, Path log, String script, String... args) {
        ProcessBuilder builder = new ProcessBuilder(command(script, args)).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().putAll(env);
        try {
            return builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> command(String script, String... args) {
        List<String> command = new ArrayList<>(List.of(NODE, script));
        command.addAll(List.of(args));
        return command;
    }

    private boolean hasInstalled(String spec) {
        int at = spec.lastIndexOf('@');
        Path manifest = dir.resolve("node_modules").resolve(spec.substring(0, at)).resolve("package.json");
        try {
            return Files.exists(manifest) && spec.substring(at + 1).equals(new JsonObject(Files.readString(manifest)).getString("version"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void npmInstall(String... packages) throws IOException {
        Files.writeString(dir.resolve("package.json"), "{\"name\":\"slipway-test-client\",\"private\":true}\n");
        Path log = dir.resolve("npm-install.log");
        List<String> command = new ArrayList<>(List.of("npm", "install", "--no-audit", "--no-fund"));
        command.addAll(List.of(packages));
        ProcessBuilder npm = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        npm.environment().put("npm_config_cache", NPM_CACHE.toString());
        npm.environment().put("npm_config_update_notifier", "false");
        String what = "npm install " + String.join(" ", packages);
        try {
            Process process = npm.start();
            if (!process.waitFor(INSTALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(what + " did not finish in " + INSTALL_TIMEOUT + ": " + Files.readString(log));
            }
            if (process.exitValue() != 0) throw new AssertionError(what + " exited with " + process.exitValue() + ": " + Files.readString(log));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
