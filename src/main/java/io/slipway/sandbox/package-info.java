/**
 * What this host offers the processes Slipway starts, whichever runtime runs the apps: {@link
 * io.slipway.sandbox.HostTools} finds the interpreters (under {@code /usr}, the only part of the host a sandbox sees),
 * and {@link io.slipway.sandbox.SandboxLabel} names the data dir in everything Slipway starts, so that a later run finds
 * what an earlier one left. The sandbox itself (bubblewrap, cgroups, network, uids, ownership) is {@code
 * runtime.process}'s.
 */
package io.slipway.sandbox;
