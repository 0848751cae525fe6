package io.slipway.runtime.host;

import static io.slipway.runtime.host.HostCommands.run;
import static io.slipway.runtime.host.HostCommands.runQuietly;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The firewall around the sandboxes, in chains of this Slipway's own ({@code SW-IN-<label>}, {@code SW-FWD-<label>},
 * {@code SW-NAT-<label>}), jumped to from the host's INPUT, FORWARD and POSTROUTING. The host accepts from a sandbox
 * only the packets of connections the host opened: a sandbox reaches neither Slipway nor any other service of the
 * host, whatever address or port it tries. Sandboxes without the internet ({@code sx…} interfaces) are never
 * forwarded. With NAT, sandboxes allowed the internet ({@code sw…} interfaces) are forwarded to public addresses only
 * (private, link-local, CGNAT, loopback and multicast ranges are dropped, which also keeps sandboxes apart), and
 * {@code net.ipv4.ip_forward} is on until {@link #remove()} puts it back.
 *
 * <p>IPv6 holds as IPv4 does. Sandbox links carry no IPv6 at all (SandboxNetwork turns it off on both ends before they
 * come up), and chains of the same names in {@code ip6tables} drop everything to, from and through the sandboxes'
 * interfaces, so that a link that somehow got an address still leads nowhere.
 */
final class SandboxFirewall {
    private static final Logger LOG = LoggerFactory.getLogger(SandboxFirewall.class);
    private static final List<String> DROPPED = List.of("0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8",
            "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16", "224.0.0.0/4", "240.0.0.0/4");
    private static final Path IP_FORWARD = Path.of("/proc/sys/net/ipv4/ip_forward");

    private final String in;
    private final String fwd;
    private final String natChain;
    private final boolean nat;
    private String forwardingBefore = "1";
    /** Each chain of this Slipway's, as {@code -S} printed it once installed: what {@link #check()} compares with. */
    private Map<List<String>, List<String>> installed = Map.of();

    private SandboxFirewall(String label, boolean nat) {
        this.in = "SW-IN-" + label;
        this.fwd = "SW-FWD-" + label;
        this.natChain = "SW-NAT-" + label;
        this.nat = nat;
    }

    /**
     * Installs the chains for sandboxes on interfaces named {@code offline…} and {@code online…}, replacing what an
     * earlier run with the same label left; with {@code nat}, forwarding and NAT from {@code subnet} too.
     */
    static SandboxFirewall install(String label, String subnet, boolean nat, String offline, String online) {
        SandboxFirewall firewall = new SandboxFirewall(label, nat);
        firewall.removeRules();
        String in = firewall.in;
        String fwd = firewall.fwd;
        run("iptables", "-N", in);
        for (String ifaces : List.of(offline + "+", online + "+")) {
            // Replies to the proxy's connections, and nothing else: a sandbox cannot open a connection to the host.
            run("iptables", "-A", in, "-i", ifaces, "-m", "conntrack", "--ctstate", "ESTABLISHED", "-j", "ACCEPT");
            run("iptables", "-A", in, "-i", ifaces, "-j", "DROP");
        }
        run("iptables", "-I", "INPUT", "-j", in);
        run("iptables", "-N", fwd);
        run("iptables", "-A", fwd, "-i", offline + "+", "-j", "DROP");
        run("iptables", "-A", fwd, "-o", offline + "+", "-j", "DROP");
        if (nat) {
            run("iptables", "-A", fwd, "-o", online + "+", "-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT");
            for (String range : DROPPED) run("iptables", "-A", fwd, "-i", online + "+", "-d", range, "-j", "DROP");
            run("iptables", "-A", fwd, "-i", online + "+", "-j", "ACCEPT");
        }
        run("iptables", "-A", fwd, "-i", online + "+", "-j", "DROP");
        run("iptables", "-A", fwd, "-o", online + "+", "-j", "DROP");
        run("iptables", "-I", "FORWARD", "-j", fwd);
        run("ip6tables", "-N", in);
        run("ip6tables", "-N", fwd);
        for (String ifaces : List.of(offline + "+", online + "+")) {
            run("ip6tables", "-A", in, "-i", ifaces, "-j", "DROP");
            run("ip6tables", "-A", fwd, "-i", ifaces, "-j", "DROP");
            run("ip6tables", "-A", fwd, "-o", ifaces, "-j", "DROP");
        }
        run("ip6tables", "-I", "INPUT", "-j", in);
        run("ip6tables", "-I", "FORWARD", "-j", fwd);
        if (nat) {
            try {
                firewall.forwardingBefore = Files.readString(IP_FORWARD).trim();
                Files.writeString(IP_FORWARD, "1");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot enable IPv4 forwarding for sandbox egress (run Slipway as root)", e);
            }
            run("iptables", "-t", "nat", "-N", firewall.natChain);
            run("iptables", "-t", "nat", "-A", firewall.natChain, "-s", subnet, "!", "-d", subnet, "-j", "MASQUERADE");
            run("iptables", "-t", "nat", "-I", "POSTROUTING", "-j", firewall.natChain);
        }
        firewall.installed = firewall.listChains();
        return firewall;
    }

    /**
     * What is missing of the firewall as {@link #install} left it, after an operator's edit or another tool's flush: a
     * jump from a built-in chain to one of this Slipway's, or a chain whose rules changed since. Runs iptables or
     * ip6tables once per chain and per jump; {@code -w} waits for a lock another run holds rather than failing on it.
     */
    List<String> check() {
        List<String> problems = new ArrayList<>();
        for (List<String> jump : jumps()) {
            if (!runQuietly(jump.get(0), "-w", "-t", jump.get(1), "-C", jump.get(2), "-j", jump.get(3))) {
                problems.add("the sandbox firewall is incomplete: " + jump.get(0) + "'s " + jump.get(2) + " no longer jumps to "
                        + jump.get(3) + ", so sandboxes are not kept from the host; restart Slipway to install it again");
            }
        }
        listChains().forEach((chain, rules) -> {
            if (!rules.equals(installed.get(chain))) {
                problems.add("the sandbox firewall chain " + chain.get(2) + " is not as Slipway installed it (" + chain.get(0) + ": "
                        + rules.size() + " rules where it installed " + installed.getOrDefault(chain, List.of()).size()
                        + "); restart Slipway to install it again");
            }
        });
        return problems;
    }

    /** Tool, table, built-in chain, and the chain of this Slipway's it jumps to. */
    private List<List<String>> jumps() {
        List<List<String>> jumps = new ArrayList<>();
        for (String tool : List.of("iptables", "ip6tables")) {
            jumps.add(List.of(tool, "filter", "INPUT", in));
            jumps.add(List.of(tool, "filter", "FORWARD", fwd));
        }
        if (nat) jumps.add(List.of("iptables", "nat", "POSTROUTING", natChain));
        return jumps;
    }

    /** The rules of this Slipway's chains by (tool, table, chain), as {@code -S} prints them; none for a chain that is gone. */
    private Map<List<String>, List<String>> listChains() {
        Map<List<String>, List<String>> chains = new LinkedHashMap<>();
        for (List<String> jump : jumps()) {
            String rules = HostCommands.output(jump.get(0), "-w", "-t", jump.get(1), "-S", jump.get(3));
            chains.put(List.of(jump.get(0), jump.get(1), jump.get(3)), rules == null ? List.of() : rules.lines().toList());
        }
        return chains;
    }

    /** Removes the chains and puts IPv4 forwarding back as it was. */
    void remove() {
        removeRules();
        if (!nat) return;
        try {
            if (forwardingBefore.equals("0")) Files.writeString(IP_FORWARD, "0");
        } catch (IOException e) {
            LOG.warn("cannot restore net.ipv4.ip_forward to 0: {}", e.getMessage());
        }
    }

    private void removeRules() {
        for (String tool : List.of("iptables", "ip6tables")) {
            while (runQuietly(tool, "-D", "INPUT", "-j", in)) { }
            while (runQuietly(tool, "-D", "FORWARD", "-j", fwd)) { }
            for (String chain : List.of(in, fwd)) {
                runQuietly(tool, "-F", chain);
                runQuietly(tool, "-X", chain);
            }
        }
        while (runQuietly("iptables", "-t", "nat", "-D", "POSTROUTING", "-j", natChain)) { }
        runQuietly("iptables", "-t", "nat", "-F", natChain);
        runQuietly("iptables", "-t", "nat", "-X", natChain);
    }
}
