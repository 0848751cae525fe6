package io.slipway.config;

import java.util.Locale;
import java.util.Optional;

/**
 * The DNS domain under which every app has a host of its own, {@code {id}.{name}} ({@code routing.appDomain}, DESIGN §4):
 * {@code apps.example.com} in production (a wildcard DNS record points {@code *.apps.example.com} at Slipway),
 * {@code apps.localhost} on one's own machine, where every {@code *.localhost} name is the loopback (RFC 6761 §6.3).
 *
 * @param name a DNS name in lower case, without a trailing dot
 */
public record AppDomain(String name) {
    /** How to write one, for error messages. */
    public static final String SYNTAX = "a DNS name such as apps.example.com or apps.localhost";
    /** A host name has at most 253 characters (RFC 1035 §2.3.4); an app's host adds its 26-character id and a dot. */
    private static final int MAX_LENGTH = 253 - 27;

    public AppDomain {
        String problem = problemWith(name);
        if (problem != null) throw new IllegalArgumentException(problem);
    }

    /**
     * The domain {@code text} names, in lower case and without a trailing dot; empty when {@code text} is blank (no app
     * has a host of its own).
     *
     * @throws IllegalArgumentException saying what is wrong with it: a scheme, a port, a path, a wildcard, an IP address
     */
    public static Optional<AppDomain> parse(String text) {
        String name = text.strip().toLowerCase(Locale.ROOT);
        if (name.isEmpty()) return Optional.empty();
        // An absolute name (RFC 1034 §3.1) is the same domain.
        if (name.endsWith(".") && !name.endsWith("..")) name = name.substring(0, name.length() - 1);
        return Optional.of(new AppDomain(name));
    }

    /** The host of the app {@code appId}: {@code {appId}.{name}}. */
    public String hostOf(String appId) {
        return appId + "." + name;
    }

    /**
     * What {@code host} (a request's host, without its port) names below this domain: the text before {@code .name}, in
     * lower case, which may be empty or hold dots of its own (neither names an app); null when {@code host} is not below
     * the domain, the bare domain included. DNS names are compared without regard to case (RFC 4343), and one trailing
     * dot (an absolute name) names the same host. Runs on every request while a domain is set: no allocation but the
     * label's.
     */
    public String labelOf(String host) {
        int end = host.length();
        if (end > 0 && host.charAt(end - 1) == '.') end--;
        int dot = end - name.length() - 1;
        if (dot < 0 || host.charAt(dot) != '.' || !host.regionMatches(true, dot + 1, name, 0, name.length())) return null;
        return host.substring(0, dot).toLowerCase(Locale.ROOT);
    }

    /** Null when {@code name} is a lower-case DNS name fit to have apps' hosts below it; else what is wrong with it. */
    private static String problemWith(String name) {
        if (name.contains("://")) return "leave out the scheme";
        if (name.startsWith("*.")) return "leave out the wildcard (apps.example.com for *.apps.example.com)";
        if (name.indexOf(':') >= 0) return "leave out the port: apps' hosts are reached on the port of publicUrl";
        if (name.indexOf('/') >= 0) return "leave out the path: an app is reached at / of its own host";
        if (name.length() > MAX_LENGTH) {
            return "it has " + name.length() + " characters; at most " + MAX_LENGTH + " leave room for an app id before it";
        }
        String[] labels = name.split("\\.", -1);
        for (String label : labels) {
            if (!isLabel(label)) {
                return "'" + label + "' is not a DNS label (1 to 63 lower-case letters, digits and hyphens, neither first nor last a hyphen; "
                        + "write an internationalised name in its xn-- form)";
            }
        }
        if (labels[labels.length - 1].chars().allMatch(c -> c >= '0' && c <= '9')) {
            return "an IP address has no names below it (apps.localhost works on this machine)";
        }
        return null;
    }

    private static boolean isLabel(String label) {
        if (label.isEmpty() || label.length() > 63 || label.charAt(0) == '-' || label.charAt(label.length() - 1) == '-') return false;
        return label.chars().allMatch(c -> c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-');
    }

    @Override
    public String toString() {
        return name;
    }
}
