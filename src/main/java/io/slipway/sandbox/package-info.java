/**
 * What this host offers processes Slipway starts: {@link io.slipway.sandbox.HostTools} finds the interpreters (under
 * {@code /usr}, the only part of the host a sandbox sees), {@link io.slipway.sandbox.Ownership} hands files to host uids,
 * and {@link io.slipway.sandbox.SandboxLabel} names the data dir in every process it starts. The sandbox itself
 * (bubblewrap, cgroups, network) is {@code runtime.process}'s.
 */
package io.slipway.sandbox;
