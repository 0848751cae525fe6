/**
 * Persistence: a {@link io.slipway.store.Database} (an SQLite file in the data dir, or PostgreSQL with row-level
 * security; migrated by Flyway) and the stores of apps, API keys and users. Every query runs in a user's scope or,
 * for the data plane and the lifecycle, the system scope ({@link io.slipway.store.Database#asUser},
 * {@link io.slipway.store.Database#asSystem}); user-scoped queries also say {@code WHERE owner = …}, so SQLite keeps
 * users apart too. Apps' env is written sealed by an {@link io.slipway.secrets.EnvCipher}, never as plain text. Methods
 * block and are meant for virtual threads.
 */
package io.slipway.store;
