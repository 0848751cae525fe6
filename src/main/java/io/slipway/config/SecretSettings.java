package io.slipway.config;

import io.slipway.secrets.EnvKey;
import java.util.List;
import java.util.Optional;

/**
 * The keys apps' env values are encrypted with (README, "Secrets at rest").
 *
 * @param envKey          the operator's key ({@code secrets.envKey}, env {@code SLIPWAY_SECRETS_ENV_KEY}); empty: a key
 *                        Slipway generates in {@code <data>/secrets/env.key}, or shares through PostgreSQL between replicas
 * @param previousEnvKeys keys that only decrypt ({@code secrets.previousEnvKeys}, comma-separated): what a rotation retires
 */
public record SecretSettings(Optional<EnvKey> envKey, List<EnvKey> previousEnvKeys) {
    public SecretSettings {
        java.util.Objects.requireNonNull(envKey, "envKey");
        previousEnvKeys = List.copyOf(previousEnvKeys);
    }

    /** No operator key: Slipway generates and keeps its own. */
    public static SecretSettings generated() {
        return new SecretSettings(Optional.empty(), List.of());
    }

    /** Parses {@code secrets.envKey} and {@code secrets.previousEnvKeys}; errors name the key, never echo a value. */
    static SecretSettings parse(String envKey, String previousEnvKeys) {
        Optional<EnvKey> current = envKey.isBlank() ? Optional.empty() : Optional.of(EnvKey.parse(envKey, "secrets.envKey"));
        List<EnvKey> previous = new java.util.ArrayList<>();
        String[] items = previousEnvKeys.split(",");
        for (int i = 0; i < items.length; i++) {
            if (!items[i].isBlank()) previous.add(EnvKey.parse(items[i], "secrets.previousEnvKeys (item " + (i + 1) + ")"));
        }
        return new SecretSettings(current, previous);
    }

    /** For the printed configuration: key ids, never keys. */
    @Override
    public String toString() {
        return "envKey=" + envKey.map(k -> "<given, id " + k.id() + ">").orElse("<generated>") + " previousEnvKeys="
                + previousEnvKeys.stream().map(EnvKey::id).toList();
    }
}
