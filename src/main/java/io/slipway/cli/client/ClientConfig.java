package io.slipway.cli.client;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

/**
 * Where the client's server and token are kept: {@code $XDG_CONFIG_HOME/slipway/config.json} ({@code ~/.config} when the
 * variable is unset or relative, as the XDG Base Directory spec says), a JSON object {@code {"server","token"}} readable by
 * its owner alone (file 0600, directory 0700). {@code SLIPWAY_SERVER} and {@code SLIPWAY_TOKEN} override each of its values.
 *
 * @param file where the file is, whether or not it exists
 * @param env  the process's environment
 */
public record ClientConfig(Path file, Map<String, String> env) {
    public static final String SERVER_VARIABLE = "SLIPWAY_SERVER";
    public static final String TOKEN_VARIABLE = "SLIPWAY_TOKEN";

    /** The server to call and the token to call it with. */
    public record Connection(URI server, String token) {
    }

    /** The configuration of this process: its environment and its user's home. */
    public static ClientConfig ofEnvironment(Map<String, String> env) {
        String xdg = env.get("XDG_CONFIG_HOME");
        Path base = xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute() ? Path.of(xdg)
                : Path.of(env.getOrDefault("HOME", System.getProperty("user.home")), ".config");
        return new ClientConfig(base.resolve("slipway").resolve("config.json"), env);
    }

    /** The server and token to use; a usage error naming both ways to set them when there is no server. */
    public Connection connection() {
        JsonObject saved = read();
        String server = nonBlank(env.get(SERVER_VARIABLE), saved.getString("server"));
        String token = nonBlank(env.get(TOKEN_VARIABLE), saved.getString("token"));
        if (server == null) {
            throw new UsageError("no server configured: run ./slipway login --server URL, or set " + SERVER_VARIABLE + " and " + TOKEN_VARIABLE);
        }
        return new Connection(serverUri(server), token);
    }

    /** {@code url} as a server address: http or https, with a host; a usage error otherwise. */
    public static URI serverUri(String url) {
        URI uri;
        try {
            uri = URI.create(url.strip().replaceAll("/+$", ""));
        } catch (IllegalArgumentException e) {
            throw new UsageError("the server '" + url + "' is not a URL: " + e.getMessage());
        }
        if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
            throw new UsageError("the server '" + url + "' must be an http:// or https:// URL, e.g. http://localhost:3000");
        }
        return uri;
    }

    /** Writes the file with only the owner able to read it: made 0600 before the token is in it, then moved into place. */
    public void save(URI server, String token) {
        try {
            Path dir = file.getParent();
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            Path temp = Files.createTempFile(dir, "config", ".tmp", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(temp, new JsonObject().put("server", server.toString()).put("token", token).encodePrettily() + "\n");
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private JsonObject read() {
        if (!Files.isRegularFile(file)) return new JsonObject();
        try {
            return new JsonObject(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        } catch (DecodeException | ClassCastException e) {
            throw new UsageError(file + " is not a JSON object; run ./slipway login again");
        }
    }

    private static String nonBlank(String first, String second) {
        if (first != null && !first.isBlank()) return first;
        return second == null || second.isBlank() ? null : second;
    }
}
