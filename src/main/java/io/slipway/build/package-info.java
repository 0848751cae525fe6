/**
 * Turning an upload into runnable code: a pinned esbuild transpiles TypeScript and reads every Node upload (ES module
 * or CommonJS, what it imports), an upload that imports files beside it is refused (Slipway runs one file), a
 * Workers-style module gets Slipway's server in front of it, and requirements are installed into
 * content-addressed dependency sets shared read-only by every app with the same set. Installs run in the sandbox
 * as an unprivileged uid, bounded in time, their output kept in the app's log; their only way out is the {@link
 * io.slipway.build.RegistryProxy registry proxy}, and a failed install says why in the user's terms ({@link
 * io.slipway.build.InstallDiagnosis}). Work happens in {@code tmp/} and is renamed into place only when complete, so a
 * failed build leaves nothing behind.
 */
package io.slipway.build;
