package io.slipway.boot;

import io.slipway.config.SecretSettings;
import io.slipway.secrets.EnvCipher;
import io.slipway.secrets.EnvKey;
import io.slipway.secrets.KeyFile;
import io.slipway.store.AppStore;
import io.slipway.store.ClusterStore;
import io.slipway.store.Database;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which keys seal and open apps' env (README, "Secrets at rest"): the operator's {@code secrets.envKey} when given, else
 * a generated one, kept in {@code <data>/secrets/env.key} for one Slipway on SQLite and shared through
 * {@code cluster_secrets} by replicas on PostgreSQL, as the token secret is ({@link TokenSecret}). Previous keys
 * ({@code secrets.previousEnvKeys}, and a generated key the operator's replaced) only open.
 *
 * <p>A rotation of the generated key writes the new key beside the current one as pending ({@code env.next.key}, or
 * {@code env.next} in the database), seals every row with it, and only then makes it the current key: a rotation
 * cut short by a crash is finished by the next start ({@link #sealAll}) or rotation, and no row is ever sealed with a key
 * that is not kept.
 */
public final class EnvKeys {
    private static final Logger LOG = LoggerFactory.getLogger(EnvKeys.class);

    /** What a rotation did: every row is now sealed with {@code to}; {@code retired} no longer opens anything. */
    public record Rotation(String to, List<String> retired, int rows) {
    }

    private final SecretSettings settings;
    private final Slots slots;
    private final Database database;
    private EnvCipher cipher;

    private EnvKeys(SecretSettings settings, Slots slots, Database database) {
        this.settings = settings;
        this.slots = slots;
        this.database = database;
    }

    public static EnvKeys of(SecretSettings settings, Database database, Path dataDir) {
        boolean shared = database.kind() == Database.Kind.POSTGRESQL;
        if (shared && settings.envKey().isEmpty()) {
            LOG.warn("env values are encrypted with a key the replicas share through the database (cluster_secrets), so a copy of the "
                    + "database holds the key beside them: give every replica the same secrets.envKey to keep it apart");
        }
        return new EnvKeys(settings, shared ? new ClusterSlots(new ClusterStore(database)) : new FileSlots(dataDir), database);
    }

    /** The cipher this Slipway seals and opens with; the generated key is created on first use. */
    public synchronized EnvCipher cipher() {
        if (cipher == null) cipher = load();
        return cipher;
    }

    private EnvCipher load() {
        List<EnvKey> previous = new ArrayList<>(settings.previousEnvKeys());
        EnvKey current;
        if (settings.envKey().isPresent()) {
            current = settings.envKey().get();
            slots.next().ifPresent(previous::add);
            slots.current().ifPresent(previous::add);
        } else if (slots.next().isPresent()) {
            current = slots.next().get();
            slots.current().ifPresent(previous::add);
        } else {
            current = slots.currentOrCreate();
        }
        return new EnvCipher(current, previous);
    }

    /**
     * The apps' store, sealing with {@link #cipher}, once every row is sealed with the current key ({@link #sealAll}): what
     * Slipway starts with. Logs how many rows it sealed, never a value.
     */
    public AppStore store() {
        AppStore store = new AppStore(database, cipher());
        int sealed = sealAll(store);
        if (sealed > 0) LOG.info("encrypted the env of {} apps with env key {}", sealed, cipher().current().id());
        return store;
    }

    /**
     * Seals with the current key every row not sealed with it yet (plain text from before encryption, a previous key's),
     * in one transaction, then finishes a rotation left half done. Returns how many rows were sealed.
     */
    public int sealAll(AppStore store) {
        int sealed = sealEvery(store);
        if (settings.envKey().isEmpty() && slots.next().isPresent()) slots.promote();
        return sealed;
    }

    private int sealEvery(AppStore store) {
        int sealed = store.sealAll();
        // What the rows held before (plain text, or sealed with a key that is going) must not stay in SQLite's log.
        if (sealed > 0) database.checkpoint();
        return sealed;
    }

    /**
     * Seals every row with a new key. With the operator's key, that key is the new one (the operator set it, and the one
     * it replaces in {@code secrets.previousEnvKeys}): every row is sealed with it and the generated keys, no longer
     * needed, are deleted. Else a new key is generated and replaces the current one. Every Slipway on the database must
     * be stopped: one still running would go on sealing with the key it loaded.
     */
    public Rotation rotate() {
        EnvCipher before = cipher();
        int sealed = sealAll(new AppStore(database, before));
        if (settings.envKey().isPresent()) {
            slots.discard();
            return new Rotation(before.current().id(), before.keyIds().subList(1, before.keyIds().size()), sealed);
        }
        EnvKey next = EnvKey.random();
        slots.propose(next);
        List<EnvKey> previous = new ArrayList<>(settings.previousEnvKeys());
        previous.add(before.current());
        EnvCipher after = new EnvCipher(next, previous);
        int rows = sealEvery(new AppStore(database, after));
        slots.promote();
        cipher = after;
        return new Rotation(next.id(), List.of(before.current().id()), rows);
    }

    /** Where generated keys are kept: the current one, and a rotation's next one until it is promoted. */
    private interface Slots {
        Optional<EnvKey> current();

        EnvKey currentOrCreate();

        Optional<EnvKey> next();

        void propose(EnvKey next);

        /** The next key becomes the current one. */
        void promote();

        /** Both keys are deleted. */
        void discard();
    }

    private record FileSlots(KeyFile currentFile, KeyFile nextFile) implements Slots {
        FileSlots(Path dataDir) {
            this(KeyFile.current(dataDir), KeyFile.next(dataDir));
        }

        @Override
        public Optional<EnvKey> current() {
            return currentFile.read();
        }

        @Override
        public EnvKey currentOrCreate() {
            return currentFile.readOrCreate();
        }

        @Override
        public Optional<EnvKey> next() {
            return nextFile.read();
        }

        @Override
        public void propose(EnvKey key) {
            nextFile.write(key);
        }

        @Override
        public void promote() {
            nextFile.replace(currentFile);
        }

        @Override
        public void discard() {
            nextFile.delete();
            currentFile.delete();
        }
    }

    private record ClusterSlots(ClusterStore store) implements Slots {
        private static final String CURRENT = "env";
        private static final String NEXT = "env.next";

        @Override
        public Optional<EnvKey> current() {
            return store.secret(CURRENT).map(hex -> EnvKey.parse(hex, "the database's env key"));
        }

        @Override
        public EnvKey currentOrCreate() {
            return EnvKey.parse(store.agree(CURRENT, EnvKey.random().hex()), "the database's env key");
        }

        @Override
        public Optional<EnvKey> next() {
            return store.secret(NEXT).map(hex -> EnvKey.parse(hex, "the database's next env key"));
        }

        @Override
        public void propose(EnvKey key) {
            store.putSecret(NEXT, key.hex());
        }

        @Override
        public void promote() {
            // Two writes: cut between them, both names hold the new key, and the next start promotes it again.
            next().ifPresent(key -> store.putSecret(CURRENT, key.hex()));
            store.removeSecret(NEXT);
        }

        @Override
        public void discard() {
            store.removeSecret(NEXT);
            store.removeSecret(CURRENT);
        }
    }
}
