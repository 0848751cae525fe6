/**
 * Apps' {@code env} values at rest: {@link io.slipway.secrets.EnvKey} is one 256-bit AES key and its id,
 * {@link io.slipway.secrets.EnvCipher} seals an app's env with the current key (AES-256-GCM, the app's id bound as
 * associated data) and opens what any configured key sealed, and {@link io.slipway.secrets.KeyFile} keeps a generated key
 * in the data dir's {@code secrets/}. Which keys are configured, generated or shared between replicas is
 * {@code io.slipway.boot.EnvKeys}'s to decide; nothing here touches the database.
 */
package io.slipway.secrets;
