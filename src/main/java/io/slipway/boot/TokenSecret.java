package io.slipway.boot;

import io.slipway.auth.SigningSecret;
import io.slipway.store.ClusterStore;
import io.slipway.store.Database;
import java.nio.file.Path;

/**
 * Which secret signs and verifies local tokens: the data dir's own on SQLite (one Slipway), the one replicas agreed
 * on through the database on PostgreSQL, so that a token any replica or {@code ./slipway token} signs, every replica
 * accepts. One answer for {@code up} and {@code token}.
 */
public final class TokenSecret {
    /** The name of the local token secret among the database's shared secrets. */
    static final String NAME = "jwt";

    private TokenSecret() {
    }

    public static byte[] of(Database database, Path dataDir) {
        if (database.kind() != Database.Kind.POSTGRESQL) return SigningSecret.loadOrCreate(dataDir);
        ClusterStore cluster = new ClusterStore(database);
        return SigningSecret.shared(dataDir, candidate -> cluster.agree(NAME, candidate));
    }

    /** Whether {@code databaseUrl} names a database whose replicas share the secret (PostgreSQL), as {@link #of} decides. */
    public static boolean isShared(String databaseUrl) {
        return databaseUrl != null && !databaseUrl.isBlank();
    }
}
