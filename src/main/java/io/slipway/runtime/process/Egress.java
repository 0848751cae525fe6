package io.slipway.runtime.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Outbound internet for the sandboxes that may have it: a veth pair per sandbox, one end moved into the sandbox's
 * network namespace with a {@code /30} of the egress subnet, and NAT behind the host's own addresses.
 *
 * <p>The firewall is what makes this safe, in chains of this Slipway's own ({@code SW-*-<label>}): traffic from
 * sandboxes may be forwarded only to public addresses (private, link-local, CGNAT, loopback and multicast ranges are
 * dropped, which also keeps sandboxes apart), and nothing from a sandbox is accepted by the host itself, whatever
 * address or port it targets: not Slipway, not any other service. Needs root, {@code ip} and {@code iptables}; it turns
 * on {@code net.ipv4.ip_forward}.
 */
final class Egress {
    private static final Logger LOG = LoggerFactory.getLogger(Egress.class);
    private static final List<String> DROPPED = List.of("0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8",
            "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16", "224.0.0.0/4", "240.0.0.0/4");

    private final String label;
    private final String subnet;
    private final int prefix;
    private static final Path IP_FORWARD = Path.of("/proc/sys/net/ipv4/ip_forward");

    private final BitSet slots = new BitSet();
    private String forwardingBefore = "1";

    private Egress(String label, String subnet) {
        this.label = label;
        this.subnet = subnet;
        this.prefix = Integer.parseInt(subnet.split("\\.")[1]);
    }

    /** Installs the firewall and NAT, replacing what an earlier run of this Slipway left. */
    static Egress setUp(String label, String subnet) {
        Egress egress = new Egress(label, subnet);
        egress.removeRules();
        try {
            egress.forwardingBefore = Files.readString(IP_FORWARD).trim();
            Files.writeString(IP_FORWARD, "1");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot enable IPv4 forwarding for sandbox egress (run Slipway as root)", e);
        }
        String in = "SW-IN-" + label;
        String fwd = "SW-FWD-" + label;
        String nat = "SW-NAT-" + label;
        String ifaces = egress.interfacePrefix() + "+";
        run("iptables", "-N", in);
        run("iptables", "-A", in, "-i", ifaces, "-j", "DROP");
        run("iptables", "-I", "INPUT", "-j", in);
        run("iptables", "-N", fwd);
        run("iptables", "-A", fwd, "-o", ifaces, "-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT");
        for (String range : DROPPED) run("iptables", "-A", fwd, "-i", ifaces, "-d", range, "-j", "DROP");
        run("iptables", "-A", fwd, "-i", ifaces, "-j", "ACCEPT");
        run("iptables", "-A", fwd, "-o", ifaces, "-j", "DROP");
        run("iptables", "-I", "FORWARD", "-j", fwd);
        run("iptables", "-t", "nat", "-N", nat);
        run("iptables", "-t", "nat", "-A", nat, "-s", subnet, "!", "-d", subnet, "-j", "MASQUERADE");
        run("iptables", "-t", "nat", "-I", "POSTROUTING", "-j", nat);
        LOG.info("sandbox egress: NAT from {} through chains SW-*-{}", subnet, label);
        return egress;
    }

    /** Gives the sandbox whose first process is {@code pid} its route out; returns the slot to {@link #detach}. */
    int attach(long pid) {
        int slot;
        synchronized (slots) {
            slot = slots.nextClearBit(0);
            if (slot >= 16384) throw new IllegalStateException("no free egress address in " + subnet);
            slots.set(slot);
        }
        try {
            String host = address(slot, 1);
            String sandbox = address(slot, 2);
            String iface = interfacePrefix() + slot;
            run("ip", "link", "add", iface, "type", "veth", "peer", "name", "eth0", "netns", Long.toString(pid));
            run("ip", "addr", "add", host + "/30", "dev", iface);
            run("ip", "link", "set", iface, "up");
            String netns = "--net=/proc/" + pid + "/ns/net";
            run("nsenter", netns, "ip", "addr", "add", sandbox + "/30", "dev", "eth0");
            run("nsenter", netns, "ip", "link", "set", "eth0", "up");
            run("nsenter", netns, "ip", "route", "add", "default", "via", host);
            return slot;
        } catch (RuntimeException e) {
            detach(slot);
            throw e;
        }
    }

    /** Frees the slot; the veth pair goes with the sandbox's namespace, or is deleted here if it outlived it. */
    void detach(int slot) {
        String iface = interfacePrefix() + slot;
        if (Files.exists(Path.of("/sys/class/net", iface))) runQuietly("ip", "link", "del", iface);
        synchronized (slots) {
            slots.clear(slot);
        }
    }

    /** Removes the rules and puts IPv4 forwarding back as it was. */
    void tearDown() {
        removeRules();
        try {
            if (forwardingBefore.equals("0")) Files.writeString(IP_FORWARD, "0");
        } catch (IOException e) {
            LOG.warn("cannot restore net.ipv4.ip_forward to 0: {}", e.getMessage());
        }
    }

    private void removeRules() {
        String in = "SW-IN-" + label;
        String fwd = "SW-FWD-" + label;
        String nat = "SW-NAT-" + label;
        while (runQuietly("iptables", "-D", "INPUT", "-j", in)) { }
        while (runQuietly("iptables", "-D", "FORWARD", "-j", fwd)) { }
        while (runQuietly("iptables", "-t", "nat", "-D", "POSTROUTING", "-j", nat)) { }
        for (String chain : List.of(in, fwd)) {
            runQuietly("iptables", "-F", chain);
            runQuietly("iptables", "-X", chain);
        }
        runQuietly("iptables", "-t", "nat", "-F", nat);
        runQuietly("iptables", "-t", "nat", "-X", nat);
    }

    /** {@code sw} and four hex digits of the label: with the slot number, within the kernel's 15-character limit. */
    private String interfacePrefix() {
        return "sw" + label.substring(0, 4);
    }

    private String address(int slot, int host) {
        int n = slot * 4 + host;
        return "100." + prefix + "." + (n >> 8) + "." + (n & 0xff);
    }

    private static void run(String... command) {
        List<String> output = new ArrayList<>();
        if (!exec(output, command)) {
            throw new IllegalStateException("'" + String.join(" ", command) + "' failed: " + String.join(" ", output));
        }
    }

    private static boolean runQuietly(String... command) {
        return exec(new ArrayList<>(), command);
    }

    private static boolean exec(List<String> output, String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
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
