/**
 * What the runtimes that run apps on Slipway's own host share of it: each sandbox's network namespace joined to the
 * host by a veth pair ({@link io.slipway.runtime.host.SandboxNetwork}), behind a firewall of this Slipway's own chains
 * that keeps sandboxes from the host, from Slipway and from each other over IPv4 and IPv6, with optional egress by NAT;
 * and what a sandbox listens on, read in its namespace ({@link io.slipway.runtime.host.ListeningSockets}).
 * The {@code process} runtime joins its bubblewrap sandboxes to it, the {@code docker} runtime its containers. Needs root
 * and the host's {@code ip}, {@code nsenter} and {@code iptables}.
 */
package io.slipway.runtime.host;
