/**
 * What the runtimes that run apps on Slipway's own host share of it: each sandbox's network namespace joined to the
 * host by a veth pair ({@link io.slipway.runtime.host.SandboxNetwork}), behind a firewall of this Slipway's own chains
 * that keeps sandboxes from the host, from Slipway and from each other over IPv4 and IPv6, with optional egress by NAT;
 * what a sandbox listens on, read in its namespace ({@link io.slipway.runtime.host.ListeningSockets}); and the host uid
 * of each app's sandbox, its own on this machine and claimed machine-wide ({@link io.slipway.runtime.host.HostUids},
 * {@link io.slipway.runtime.host.UidClaims}).
 * The {@code process} runtime joins its bubblewrap sandboxes to it, the {@code docker} runtime its containers. Needs root
 * and the host's {@code ip}, {@code nsenter} and {@code iptables}.
 */
package io.slipway.runtime.host;
