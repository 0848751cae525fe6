package io.slipway.runtime.host;

import static io.slipway.runtime.host.HostCommands.feed;
import static io.slipway.runtime.host.HostCommands.run;
import static io.slipway.runtime.host.HostCommands.runQuietly;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sandboxes' network. Each sandbox has a network namespace of its own, joined to the host by a veth pair that
 * holds a {@code /30} of the sandbox subnet: the host end is {@code .1}, the sandbox's {@code eth0} is {@code .2}.
 * Slipway's proxy connects to the app over it; the app can answer, but never open a connection to the host.
 *
 * <p>The {@link SandboxFirewall} is what makes this safe. Sandboxes without the internet ({@code sx…} interfaces) have no
 * route beyond their {@code /30}; with NAT enabled, sandboxes allowed the internet ({@code sw…} interfaces) get a
 * default route through the host. Needs root, {@code ip}, {@code nsenter} and {@code iptables}.
 *
 * <p>Slots are claimed machine-wide, as files under {@value #CLAIMS}: two Slipways on one machine (or a test's two
 * servers) share the subnet, and a /30 given twice would route one's proxy to the other's app.
 *
 * <p>The whole subnet is routed {@code unreachable} on the host, beneath the sandboxes' own {@code /30}s. Without it, the
 * address of a sandbox whose namespace just died would follow the default route out of the machine, and whatever
 * answers there (a gateway, a transparent proxy) would pass for the app: a readiness probe once took a gateway's
 * {@code 403} for an app that had already exited. With it, such a connection fails at once with "no route to host".
 */
public final class SandboxNetwork {
    /** A sandbox's link: its slot in the subnet and the address the app is reached at. */
    public record Link(int slot, String hostInterface, InetAddress sandboxAddress) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(SandboxNetwork.class);
    static final String CLAIMS = "/run/slipway-net";
    /** Run in the sandbox's network namespace, whose sysctls are its own (the host's /proc/sys shows the host's). */
    private static final String SANDBOX_IPV6_OFF = "echo 1 > /proc/sys/net/ipv6/conf/eth0/disable_ipv6 && ";
    private static final int SLOTS = 16384;

    private final String label;
    private final String subnet;
    private final int prefix;
    private final Path claims;
    // Where the next search for a free slot starts: slots are handed out in turn, not lowest first, so that an address
    // is not reused for a long while. A connection the proxy pooled to a sandbox that stopped must fail fast (no route),
    // not reach, or hang on, the next sandbox given the same address.
    private final java.util.concurrent.atomic.AtomicInteger nextSlot = new java.util.concurrent.atomic.AtomicInteger();
    private SandboxFirewall firewall;

    private SandboxNetwork(String label, String subnet) {
        this.label = label;
        this.subnet = subnet;
        this.prefix = Integer.parseInt(subnet.split("\\.")[1]);
        this.claims = Path.of(CLAIMS, subnet.replace('/', '_'));
    }

    /** Installs the firewall (and, with {@code nat}, forwarding and NAT), replacing what an earlier run left. */
    public static SandboxNetwork setUp(String label, String subnet, boolean nat) {
        SandboxNetwork network = new SandboxNetwork(label, subnet);
        network.firewall = SandboxFirewall.install(label, subnet, nat, network.offline(), network.online());
        run("ip", "route", "replace", "unreachable", subnet);
        LOG.info("sandbox network: a /30 of {} per sandbox, {}, chains SW-*-{}", subnet, nat ? "egress by NAT" : "no egress", label);
        return network;
    }

    /** Joins the sandbox whose first process is {@code pid} to the host; with {@code internet}, also routes it out. */
    public Link attach(long pid, boolean internet) {
        String kind = internet ? online() : offline();
        int slot = claim(kind);
        String iface = kind + slot;
        try {
            String host = address(slot, 1);
            String sandbox = address(slot, 2);
            // An interface of this name may outlive a sandbox of an earlier run for a moment.
            if (Files.exists(Path.of("/sys/class/net", iface))) runQuietly("ip", "link", "del", iface);
            // Both ends get fixed MAC addresses and know each other's from the start: no ARP. A first ARP request lost
            // while a new link comes up is retried only after a second (retrans_time), and the app's start with it.
            // The unreachable route again: another Slipway sharing the subnet may have taken it away as it stopped.
            // No IPv6 on either end, from before either is up, so that no address ever appears: an end's link-local
            // address is predictable from its MAC and would lead an app around the IPv4 firewall. The host's end makes
            // none (addrgenmode none) and then has IPv6 turned off; the sandbox's has it off before it comes up. The
            // firewall's IPv6 chains drop whatever might still come.
            feed("route replace unreachable " + subnet + "\nlink add " + iface + " address " + mac(slot, 1) + " type veth peer name eth0 address "
                    + mac(slot, 2) + " netns " + pid + "\nlink set " + iface + " addrgenmode none\naddr add " + host + "/30 dev " + iface
                    + "\nlink set " + iface + " up\n"
                    + "neigh replace " + sandbox + " lladdr " + mac(slot, 2) + " dev " + iface + " nud permanent\n", "ip", "-batch", "-");
            disableIpv6(iface);
            feed("link set eth0 addrgenmode none\naddr add " + sandbox + "/30 dev eth0\nlink set eth0 up\nneigh replace " + host
                    + " lladdr " + mac(slot, 1) + " dev eth0 nud permanent\n" + (internet ? "route add default via " + host + "\n" : ""),
                    "nsenter", "--net=/proc/" + pid + "/ns/net", "/bin/sh", "-c", SANDBOX_IPV6_OFF + "exec ip -batch -");
            awaitOperational(iface);
            return new Link(slot, iface, InetAddress.getByName(sandbox));
        } catch (RuntimeException | UnknownHostException e) {
            release(slot, iface);
            throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
        }
    }

    /**
     * Waits (a second at most) until the kernel has taken the link's carrier into account. Up to then both ends send
     * through a qdisc that drops everything: the proxy's first SYN to a just-started app was lost now and then, and TCP
     * sent it again only after its initial timeout, a second later (measured: 2 starts in 9 took 1.2 s instead of 0.2 s,
     * and the host's end was still "down" when attach returned in 1 of 4). The kernel's link watcher marks the host's
     * end up after the sandbox's, whose carrier event it queued first, so the host's end alone is read. Polled: sysfs
     * has no notification for it, and it takes some microseconds to a few milliseconds.
     */
    private static void awaitOperational(String iface) {
        Path operstate = Path.of("/sys/class/net", iface, "operstate");
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(1);
        try {
            while (!Files.readString(operstate).strip().equals("up")) {
                if (System.nanoTime() > deadline) {
                    LOG.warn("the sandbox link {} is not up after 1 s; its first connections may wait for TCP to send again", iface);
                    return;
                }
                Thread.sleep(1);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the state of " + iface, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Turns IPv6 off on the host's end of a link; its sysctl file exists from the moment the interface does. */
    private static void disableIpv6(String iface) {
        try {
            Files.writeString(Path.of("/proc/sys/net/ipv6/conf", iface, "disable_ipv6"), "1");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot turn IPv6 off on " + iface, e);
        }
    }

    /** Frees the link's slot; the veth pair goes with the sandbox's namespace, or is deleted here if it outlived it. */
    public void detach(Link link) {
        release(link.slot(), link.hostInterface());
    }

    private void release(int slot, String iface) {
        if (Files.exists(Path.of("/sys/class/net", iface))) runQuietly("ip", "link", "del", iface);
        try {
            Files.deleteIfExists(claims.resolve(Integer.toString(slot)));
        } catch (IOException e) {
            LOG.warn("cannot release the sandbox address slot {}: {}", slot, e.getMessage());
        }
    }

    /**
     * The next free slot in turn, claimed by creating its file (atomic, machine-wide), which names the interface that will
     * hold it. A claim whose interface is gone for more than a few seconds is stale (its Slipway was killed) and taken.
     */
    private int claim(String kind) {
        try {
            Files.createDirectories(claims);
            int start = Math.floorMod(nextSlot.getAndIncrement(), SLOTS);
            for (int i = 0; i < SLOTS; i++) {
                int slot = (start + i) % SLOTS;
                Path file = claims.resolve(Integer.toString(slot));
                try {
                    Files.writeString(file, kind + slot, java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE);
                    nextSlot.set(slot + 1);
                    return slot;
                } catch (java.nio.file.FileAlreadyExistsException taken) {
                    if (isStale(file)) {
                        Files.deleteIfExists(file);
                        i--;
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot claim a sandbox address under " + claims, e);
        }
        throw new IllegalStateException("no free sandbox address in " + subnet);
    }

    private long claimsLeft() {
        try (var files = Files.list(claims)) {
            return files.count();
        } catch (java.nio.file.NoSuchFileException e) {
            return 0;
        } catch (IOException e) {
            return 1; // unknown: keep the route, which only ever refuses
        }
    }

    private static boolean isStale(Path claim) {
        try {
            String iface = Files.readString(claim).trim();
            return !iface.isEmpty() && !Files.exists(Path.of("/sys/class/net", iface))
                    && Files.getLastModifiedTime(claim).toInstant().isBefore(java.time.Instant.now().minusSeconds(10));
        } catch (IOException e) {
            return false; // released meanwhile
        }
    }

    /** What is missing of the firewall as it was installed ({@link SandboxFirewall#check()}); empty when it is whole. */
    public List<String> check() {
        return firewall.check();
    }

    /** Removes the firewall, the subnet's route when no Slipway holds a slot in it any more, and puts IPv4 forwarding back. */
    public void tearDown() {
        firewall.remove();
        if (claimsLeft() == 0) runQuietly("ip", "route", "del", "unreachable", subnet);
    }

    /** Host ends of sandboxes allowed the internet: {@code sw} and four hex digits of the label (then the slot). */
    private String online() {
        return "sw" + label.substring(0, 4);
    }

    /** Host ends of sandboxes without the internet. */
    private String offline() {
        return "sx" + label.substring(0, 4);
    }

    /** A locally administered MAC address for one end of a slot's link (1: the host's, 2: the sandbox's); unique per machine, as slots are. */
    private static String mac(int slot, int end) {
        return String.format("02:53:57:%02x:%02x:%02x", end, slot >> 8, slot & 0xff);
    }

    private String address(int slot, int host) {
        int n = slot * 4 + host;
        return "100." + prefix + "." + (n >> 8) + "." + (n & 0xff);
    }
}
