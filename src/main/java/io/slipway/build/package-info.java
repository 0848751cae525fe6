/**
 * Turning an upload into runnable code: TypeScript transpiled by a pinned esbuild, requirements installed into
 * content-addressed dependency sets shared read-only by every app with the same set. Installs run in the sandbox
 * as an unprivileged uid, bounded in time, their output kept in the app's log; their only way out is the {@link
 * io.slipway.build.RegistryProxy registry proxy}, and a failed install says why in the user's terms ({@link
 * io.slipway.build.InstallDiagnosis}). Work happens in {@code tmp/} and is renamed into place only when complete, so a
 * failed build leaves nothing behind.
 */
package io.slipway.build;
