package io.slipway.runtime.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sandboxes' network. Each sandbox has a network namespace of its own, joined to the host by a veth pair that
 * holds a {@code /30} of the sandbox subnet: the host end is {@code .1}, the sandbox's {@code eth0} is {@code .2}.
 * Slipway's proxy connects to the app over it; the app can answer, but never open a connection to the host.
 *
 * <p>The firewall, in chains of this Slipway's own ({@code SW-*-<label>}), is what makes this safe. The host accepts
 * from a sandbox only the packets of connections the host opened: a sandbox reaches neither Slipway nor any other
 * service of the host, whatever address or port it tries. Sandboxes without the internet ({@code sx…} interfaces)
 * have no route beyond their {@code /30} and are never forwarded. With NAT enabled, sandboxes allowed the internet
 * ({@code sw…} interfaces) get a default route and are forwarded to public addresses only (private, link-local, CGNAT,
 * loopback and multicast ranges are dropped, which also keeps sandboxes apart). Needs root, {@code ip},
 * {@code nsenter} and {@code iptables}; NAT turns on {@code net.ipv4.ip_forward}.
 *
 * <p>Slots are claimed machine-wide, as files under {@value #CLAIMS}: two Slipways on one machine (or a test's two
 * servers) share the subnet, and a /30 given twice would route one's proxy to the other's app.
 *
 * <p>The whole subnet is routed {@code unreachable} on the host, beneath the sandboxes' own {@code /30}s. Without it, the
 * address of a sandbox whose namespace just died would follow the default route out of the machine, and whatever
 * answers there (a gateway, a transparent proxy) would pass for the app: a readiness probe once took a gateway's
 * {@code 403} for an app that had already exited. With it, such a connection fails at once with "no route to host".
 */
final class SandboxNetwork {
    /** A sandbox's link: its slot in the subnet and the address the app is reached at. */
    record Link(int slot, String hostInterface, InetAddress sandboxAddress) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(SandboxNetwork.class);
    private static final List<String> DROPPED = List.of("0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8",
            "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16", "224.0.0.0/4", "240.0.0.0/4");
    private static final Path IP_FORWARD = Path.of("/proc/sys/net/ipv4/ip_forward");
    static final String CLAIMS = "/run/slipway-net";
    private static final int SLOTS = 16384;

    private final String label;
    private final String subnet;
    private final int prefix;
    private final boolean nat;
    private final Path claims;
    // Where the next search for a free slot starts: slots are handed out in turn, not lowest first, so that an address
    // is not reused for a long while. A connection the proxy pooled to a sandbox that stopped must fail fast (no route),
    // not reach, or hang on, the next sandbox given the same address.
    private final java.util.concurrent.atomic.AtomicInteger nextSlot = new java.util.concurrent.atomic.AtomicInteger();
    private String forwardingBefore = "1";
    /** Each chain of this Slipway's, as {@code iptables -S} printed it once set up: what {@link #check()} compares with. */
    private Map<List<String>, List<String>> installed = Map.of();

    private SandboxNetwork(String label, String subnet, boolean nat) {
        this.label = label;
        this.subnet = subnet;
        this.nat = nat;
        this.prefix = Integer.parseInt(subnet.split("\\.")[1]);
        this.claims = Path.of(CLAIMS, subnet.replace('/', '_'));
    }

    /** Installs the firewall (and, with {@code nat}, forwarding and NAT), replacing what an earlier run left. */
    static SandboxNetwork setUp(String label, String subnet, boolean nat) {
        SandboxNetwork network = new SandboxNetwork(label, subnet, nat);
        network.removeRules();
        String in = "SW-IN-" + label;
        String fwd = "SW-FWD-" + label;
        run("iptables", "-N", in);
        for (String ifaces : List.of(network.offline() + "+", network.online() + "+")) {
            // Replies to the proxy's connections, and nothing else: a sandbox cannot open a connection to the host.
            run("iptables", "-A", in, "-i", ifaces, "-m", "conntrack", "--ctstate", "ESTABLISHED", "-j", "ACCEPT");
            run("iptables", "-A", in, "-i", ifaces, "-j", "DROP");
        }
        run("iptables", "-I", "INPUT", "-j", in);
        run("iptables", "-N", fwd);
        run("iptables", "-A", fwd, "-i", network.offline() + "+", "-j", "DROP");
        run("iptables", "-A", fwd, "-o", network.offline() + "+", "-j", "DROP");
        String online = network.online() + "+";
        if (nat) {
            run("iptables", "-A", fwd, "-o", online, "-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT");
            for (String range : DROPPED) run("iptables", "-A", fwd, "-i", online, "-d", range, "-j", "DROP");
            run("iptables", "-A", fwd, "-i", online, "-j", "ACCEPT");
        }
        run("iptables", "-A", fwd, "-i", online, "-j", "DROP");
        run("iptables", "-A", fwd, "-o", online, "-j", "DROP");
        run("iptables", "-I", "FORWARD", "-j", fwd);
        run("ip", "route", "replace", "unreachable", subnet);
        if (nat) {
            try {
                network.forwardingBefore = Files.readString(IP_FORWARD).trim();
                Files.writeString(IP_FORWARD, "1");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot enable IPv4 forwarding for sandbox egress (run Slipway as root)", e);
            }
            String natChain = "SW-NAT-" + label;
            run("iptables", "-t", "nat", "-N", natChain);
            run("iptables", "-t", "nat", "-A", natChain, "-s", subnet, "!", "-d", subnet, "-j", "MASQUERADE");
            run("iptables", "-t", "nat", "-I", "POSTROUTING", "-j", natChain);
            LOG.info("sandbox network: a /30 of {} per sandbox, egress by NAT, chains SW-*-{}", subnet, label);
        } else {
            LOG.info("sandbox network: a /30 of {} per sandbox, no egress, chains SW-*-{}", subnet, label);
        }
        network.installed = network.listChains();
        return network;
    }

    /**
     * What is missing of the firewall {@link #setUp} installed, as operators' edits or another tool's flush leave it: a
     * jump from a built-in chain to this Slipway's, or a chain whose rules changed since. Runs iptables once per chain and
     * per jump; {@code -w} waits for the lock another iptables may hold rather than failing on it.
     */
    List<String> check() {
        List<String> problems = new ArrayList<>();
        for (List<String> jump : jumps()) {
            if (!runQuietly(null, "iptables", "-w", "-t", jump.get(0), "-C", jump.get(1), "-j", jump.get(2))) {
                problems.add("the sandbox firewall is incomplete: " + jump.get(1) + " no longer jumps to " + jump.get(2)
                        + ", so sandboxes are not kept from the host; restart Slipway to install it again");
            }
        }
        listChains().forEach((chain, rules) -> {
            if (!rules.equals(installed.get(chain))) {
                problems.add("the sandbox firewall chain " + chain.get(1) + " is not as Slipway installed it (" + rules.size()
                        + " rules where it installed " + installed.getOrDefault(chain, List.of()).size()
                        + "); restart Slipway to install it again");
            }
        });
        return problems;
    }

    /** Table, built-in chain, and this Slipway's chain it jumps to. */
    private List<List<String>> jumps() {
        List<List<String>> jumps = new ArrayList<>(List.of(List.of("filter", "INPUT", "SW-IN-" + label), List.of("filter", "FORWARD", "SW-FWD-" + label)));
        if (nat) jumps.add(List.of("nat", "POSTROUTING", "SW-NAT-" + label));
        return jumps;
    }

    /** The rules of this Slipway's chains by (table, chain), as {@code iptables -S} prints them; none for a chain that is gone. */
    private Map<List<String>, List<String>> listChains() {
        Map<List<String>, List<String>> chains = new java.util.LinkedHashMap<>();
        for (List<String> jump : jumps()) {
            List<String> output = new ArrayList<>();
            boolean listed = exec(output, null, "iptables", "-w", "-t", jump.get(0), "-S", jump.get(2));
            chains.put(List.of(jump.get(0), jump.get(2)), listed ? output.getFirst().lines().toList() : List.of());
        }
        return chains;
    }

    /** Joins the sandbox whose first process is {@code pid} to the host; with {@code internet}, also routes it out. */
    Link attach(long pid, boolean internet) {
        String kind = internet ? online() : offline();
        int slot = claim(kind);
        String iface = kind + slot;
        try {
            String host = address(slot, 1);
            String sandbox = address(slot, 2);
            // An interface of this name may outlive a sandbox of an earlier run for a moment.
            if (Files.exists(Path.of("/sys/class/net", iface))) runQuietly(null, "ip", "link", "del", iface);
            // Both ends get fixed MAC addresses and know each other's from the start: no ARP. A first ARP request lost
            // while a new link comes up is retried only after a second (retrans_time), and the app's start with it.
            // The unreachable route again: another Slipway sharing the subnet may have taken it away as it stopped.
            feed("route replace unreachable " + subnet + "\nlink add " + iface + " address " + mac(slot, 1) + " type veth peer name eth0 address "
                    + mac(slot, 2) + " netns " + pid + "\naddr add " + host + "/30 dev " + iface + "\nlink set " + iface + " up\n"
                    + "neigh replace " + sandbox + " lladdr " + mac(slot, 2) + " dev " + iface + " nud permanent\n", "ip", "-batch", "-");
            feed("addr add " + sandbox + "/30 dev eth0\nlink set eth0 up\nneigh replace " + host + " lladdr " + mac(slot, 1)
                    + " dev eth0 nud permanent\n" + (internet ? "route add default via " + host + "\n" : ""),
                    "nsenter", "--net=/proc/" + pid + "/ns/net", "ip", "-batch", "-");
            return new Link(slot, iface, InetAddress.getByName(sandbox));
        } catch (RuntimeException | UnknownHostException e) {
            release(slot, iface);
            throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
        }
    }

    /** Frees the link's slot; the veth pair goes with the sandbox's namespace, or is deleted here if it outlived it. */
    void detach(Link link) {
        release(link.slot(), link.hostInterface());
    }

    private void release(int slot, String iface) {
        if (Files.exists(Path.of("/sys/class/net", iface))) runQuietly(null, "ip", "link", "del", iface);
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

    /** Removes the rules, the subnet's route when no Slipway holds a slot in it any more, and puts IPv4 forwarding back. */
    void tearDown() {
        removeRules();
        if (claimsLeft() == 0) runQuietly(null, "ip", "route", "del", "unreachable", subnet);
        if (!nat) return;
        try {
            if (forwardingBefore.equals("0")) Files.writeString(IP_FORWARD, "0");
        } catch (IOException e) {
            LOG.warn("cannot restore net.ipv4.ip_forward to 0: {}", e.getMessage());
        }
    }

    private void removeRules() {
        String in = "SW-IN-" + label;
        String fwd = "SW-FWD-" + label;
        String natChain = "SW-NAT-" + label;
        while (runQuietly(null, "iptables", "-D", "INPUT", "-j", in)) { }
        while (runQuietly(null, "iptables", "-D", "FORWARD", "-j", fwd)) { }
        while (runQuietly(null, "iptables", "-t", "nat", "-D", "POSTROUTING", "-j", natChain)) { }
        for (String chain : List.of(in, fwd)) {
            runQuietly(null, "iptables", "-F", chain);
            runQuietly(null, "iptables", "-X", chain);
        }
        runQuietly(null, "iptables", "-t", "nat", "-F", natChain);
        runQuietly(null, "iptables", "-t", "nat", "-X", natChain);
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

    private static void run(String... command) {
        feed(null, command);
    }

    /** Runs the command with {@code input} (or nothing, when null) on its standard input; throws when it fails. */
    private static void feed(String input, String... command) {
        List<String> output = new ArrayList<>();
        if (!exec(output, input, command)) {
            throw new IllegalStateException("'" + String.join(" ", command) + "' failed: " + String.join(" ", output));
        }
    }

    private static boolean runQuietly(String input, String... command) {
        return exec(new ArrayList<>(), input, command);
    }

    private static boolean exec(List<String> output, String input, String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            try (var stdin = p.getOutputStream()) {
                if (input != null) stdin.write(input.getBytes(StandardCharsets.UTF_8));
            }
            output.add(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim());
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return false;
            }
            return p.exitValue() == 0;
        } catch (IOException e) {
            output.add(e.getMessage());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
