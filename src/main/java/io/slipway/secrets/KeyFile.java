package io.slipway.secrets;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * An env key kept as 64 hex digits in a file of the data dir's {@code secrets/} (mode 0600, the directory 0700).
 * Every write goes to a temporary file renamed over the target, so a crash never leaves half a key, and two processes
 * creating the same file at once agree on one key.
 */
public record KeyFile(Path path) {
    /** The generated key of a data dir: {@code <data>/secrets/env.key}. */
    public static KeyFile current(Path dataDir) {
        return new KeyFile(dataDir.resolve("secrets").resolve("env.key"));
    }

    /** A rotation's new key until every row is sealed with it: {@code <data>/secrets/env.next.key}. */
    public static KeyFile next(Path dataDir) {
        return new KeyFile(dataDir.resolve("secrets").resolve("env.next.key"));
    }

    public Optional<EnvKey> read() {
        try {
            return Files.exists(path) ? Optional.of(EnvKey.parse(Files.readString(path), path.toString())) : Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the env key " + path, e);
        }
    }

    /** The key in the file, after writing a new one there if there was none. */
    public EnvKey readOrCreate() {
        return read().orElseGet(() -> {
            try {
                Files.move(temporary(EnvKey.random()), path, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException raced) {
                // Another process created it first: its key is the one.
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create the env key " + path, e);
            }
            return read().orElseThrow();
        });
    }

    public void write(EnvKey key) {
        try {
            Files.move(temporary(key), path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the env key " + path, e);
        }
    }

    /** Renames this file over {@code target}: the pending key becomes the current one in one step. */
    public void replace(KeyFile target) {
        try {
            Files.move(path, target.path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot rename " + path + " to " + target.path, e);
        }
    }

    public void delete() {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the env key " + path, e);
        }
    }

    private Path temporary(EnvKey key) throws IOException {
        Path dir = path.getParent();
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        }
        Path tmp = Files.createTempFile(dir, "env", ".tmp", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, key.hex());
        return tmp;
    }
}
