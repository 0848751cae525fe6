package io.slipway.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.function.Supplier;

/**
 * This replica: its id, kept in {@code <data>/cluster-id} so that a restarted Slipway takes its own leases back at
 * once rather than waiting for them to expire, and the URL the other replicas reach it at ({@code cluster.advertiseUrl},
 * or its port on 127.0.0.1, known once it listens).
 */
public record Replica(String id, Supplier<String> url) {
    /** The header a replica marks the requests it relays with: the receiver serves them itself, never relays them on. */
    public static final String RELAYED_BY = "X-Slipway-Replica";

    /** The id of the replica whose data dir is {@code dataDir}, made on its first start. */
    public static String idOf(Path dataDir) {
        Path file = dataDir.resolve("cluster-id");
        try {
            if (!Files.exists(file)) {
                byte[] random = new byte[8];
                new SecureRandom().nextBytes(random);
                try {
                    Files.writeString(file, HexFormat.of().formatHex(random), java.nio.file.StandardOpenOption.CREATE_NEW);
                } catch (FileAlreadyExistsException raced) {
                    // another process of this data dir made it first
                }
            }
            return Files.readString(file).trim();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create " + file, e);
        }
    }
}
