/**
 * How Slipway confines a process on this machine: {@link io.slipway.sandbox.Bubblewrap} builds the
 * {@code setpriv … bwrap …} command line (an unprivileged host uid, its own user/pid/ipc/uts namespaces, a read-only
 * {@code /usr}, only the directories it is given), and {@link io.slipway.sandbox.HostTools} finds the interpreters it
 * may run. Used by the process runtime for apps and by the builder for installs.
 */
package io.slipway.sandbox;
