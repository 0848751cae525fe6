package io.slipway.auth;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.function.UnaryOperator;

/**
 * The HS256 key, kept in {@code <data>/secrets/jwt.key} with mode 0600. Generated on first use; written to a
 * temporary file and renamed, so a crash never leaves a half-written key, and two processes racing on a fresh data
 * dir agree on one key. Replicas sharing a PostgreSQL database share it through the database ({@link #shared}).
 */
public final class SigningSecret {
    private SigningSecret() {
    }

    /** Where the secret of {@code dataDir} is kept, whether or not it exists yet. */
    public static Path file(Path dataDir) {
        return dataDir.resolve("secrets").resolve("jwt.key");
    }

    public static byte[] loadOrCreate(Path dataDir) {
        Path file = file(dataDir);
        Path dir = file.getParent();
        try {
            if (!Files.exists(file)) create(dir, file);
            byte[] key = HexFormat.of().parseHex(Files.readString(file).trim());
            if (key.length < 32) throw new IllegalStateException(file + " holds fewer than 256 bits; delete it to generate a new one");
            return key;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the signing secret " + file, e);
        }
    }

    /**
     * The secret replicas sharing one database agree on ({@code agree}: a hex candidate in, the one stored out): this
     * data dir's own when the database had none yet (so a single Slipway moving onto a shared database keeps its
     * tokens), else the one stored. The file is rewritten to it when it differs, so that {@code ./slipway token} with this
     * data dir signs as every replica verifies.
     */
    public static byte[] shared(Path dataDir, UnaryOperator<String> agree) {
        String own = HexFormat.of().formatHex(loadOrCreate(dataDir));
        String agreed = agree.apply(own);
        if (!agreed.equals(own)) {
            Path file = file(dataDir);
            try {
                Path tmp = Files.createTempFile(file.getParent(), "jwt", ".tmp",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.writeString(tmp, agreed);
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the shared signing secret to " + file, e);
            }
        }
        byte[] key = HexFormat.of().parseHex(agreed);
        if (key.length < 32) throw new IllegalStateException("the database's signing secret holds fewer than 256 bits");
        return key;
    }

    private static void create(Path dir, Path file) throws IOException {
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        Path tmp = Files.createTempFile(dir, "jwt", ".tmp", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, HexFormat.of().formatHex(key));
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException raced) {
            Files.deleteIfExists(tmp);
        }
    }
}
