/**
 * The {@code process} runtime: each app is a child process of Slipway, confined by bubblewrap as an unprivileged
 * host uid (see {@link io.slipway.runtime.process.Bubblewrap}), its network namespace joined to the host by
 * {@link io.slipway.runtime.host.SandboxNetwork}. No daemon is needed. Sandboxes carry a label in their environment
 * naming the data dir, by which a later run finds and removes the ones an earlier run left behind.
 */
package io.slipway.runtime.process;
