package io.slipway.deploy;

import io.slipway.app.InvalidInputException;
import io.slipway.auth.AppAccess;
import io.slipway.store.ApiKeyStore;
import io.slipway.store.ApiKeyStore.ApiKey;
import io.slipway.store.AppStore;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * App-scoped API keys: created by an app's owner, shown once, revoked at will, and removed with their app. Blocking;
 * every operation is scoped to the owner, and another user's app is as unknown as a missing one.
 */
public final class AccessKeys {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9 ._-]{0,62}");
    private static final int MAX_KEYS_PER_APP = 20;

    /** A key just created, with its secret: the only time the secret exists outside its holder. */
    public record Created(ApiKey key, String secret) {
    }

    private final AppStore apps;
    private final ApiKeyStore keys;
    private final AppAccess access;
    private final InstantSource clock;

    public AccessKeys(AppStore apps, ApiKeyStore keys, AppAccess access, InstantSource clock) {
        this.apps = apps;
        this.keys = keys;
        this.access = access;
        this.clock = clock;
        keys.listAll().forEach(k -> access.keyAdded(k.secretHash(), k.appId()));
    }

    /** Empty when the owner has no such app. */
    public Optional<Created> create(String owner, String appId, String name) {
        if (apps.find(owner, appId).isEmpty()) return Optional.empty();
        String keyName = name == null || name.isBlank() ? "key" : name.trim();
        if (!NAME.matcher(keyName).matches()) {
            throw new InvalidInputException("invalid-key-name", "a key's name is 1-63 letters, digits, spaces, '.', '_' or '-'");
        }
        if (keys.list(owner, appId).size() >= MAX_KEYS_PER_APP) {
            throw new InvalidInputException("too-many-keys", "an app has at most " + MAX_KEYS_PER_APP + " keys; revoke one first");
        }
        String secret = AppAccess.newSecret();
        ApiKey key = new ApiKey(AppIds.next(), appId, owner, keyName, AppAccess.hash(secret), clock.instant());
        keys.insert(key);
        access.keyAdded(key.secretHash(), appId);
        return Optional.of(new Created(key, secret));
    }

    /** Empty when the owner has no such app. */
    public Optional<List<ApiKey>> list(String owner, String appId) {
        if (apps.find(owner, appId).isEmpty()) return Optional.empty();
        return Optional.of(keys.list(owner, appId));
    }

    /** False when the owner has no such app or key. The key stops working at once. */
    public boolean revoke(String owner, String appId, String keyId) {
        Optional<ApiKey> removed = keys.delete(owner, appId, keyId);
        removed.ifPresent(k -> access.keyRevoked(k.secretHash()));
        return removed.isPresent();
    }

    /** Called when an app is deleted. */
    public void removeAllOf(String appId) {
        keys.listAll().stream().filter(k -> k.appId().equals(appId)).forEach(k -> access.keyRevoked(k.secretHash()));
        keys.deleteAllOf(appId);
    }
}
