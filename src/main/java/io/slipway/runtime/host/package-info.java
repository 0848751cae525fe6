/**
 * What the runtimes that run apps on Slipway's own host share of it: each sandbox's network namespace joined to the
 * host by a veth pair ({@link io.slipway.runtime.host.SandboxNetwork}), behind a firewall of this Slipway's own chains
 * that keeps sandboxes from the host, from Slipway and from each other over IPv4 and IPv6, with optional egress by NAT;
 * what a sandbox listens on, read in its namespace ({@link io.slipway.runtime.host.ListeningSockets}); and the host uid
 * of each app's sandbox, its own on this machine and claimed machine-wide ({@link io.slipway.runtime.host.HostUids},
 * {@link io.slipway.runtime.host.UidClaims}); and each app's persistent {@code /data}, an ext4 image of its plan's size
 * loop-mounted while the app runs ({@link io.slipway.runtime.host.AppStorage}).
 * The {@code process} runtime joins its bubblewrap sandboxes to it, the {@code docker} runtime its containers. Needs root
 * and the host's {@code ip}, {@code nsenter}, {@code iptables}, {@code mount} and {@code mkfs.ext4}.
 */
package io.slipway.runtime.host;
