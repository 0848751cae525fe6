package io.slipway.proxy;

import io.slipway.config.AddressRanges;
import io.slipway.http.RequestFraming;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.net.SocketAddress;
import java.util.List;

/**
 * Tells an app who called it, how and under which name: {@code X-Forwarded-For}, {@code -Proto}, {@code -Host},
 * {@code -Prefix} and RFC 7239's {@code Forwarded}. What a client says in these headers is believed only when its
 * connection comes from a trusted proxy ({@code proxy.trustedProxies}): such a peer's headers are kept and extended
 * with this hop (its address appended to {@code X-Forwarded-For}, an element appended to {@code Forwarded}, its
 * prefix put in front of {@code /containers/{id}}). From any other peer they are replaced with what Slipway itself
 * sees, so that a client cannot make an app believe it came from elsewhere or over TLS.
 *
 * <p>A trusted peer that sends {@code X-Forwarded-*} but no {@code Forwarded} (nginx, say) gets its story told in
 * {@code Forwarded} too, so that an app reading either header hears the same. A trusted peer's values are passed as
 * they came, never parsed: a malformed one cannot break anything here. Runs on every proxied request: the trusted
 * ranges are parsed once, at start, and while none are configured an IPv4 peer's address is not even parsed.
 */
final class ForwardingHeaders {
    static final String FOR = "X-Forwarded-For";
    static final String PROTO = "X-Forwarded-Proto";
    static final String HOST = "X-Forwarded-Host";
    static final String PREFIX = "X-Forwarded-Prefix";
    static final String FORWARDED = "Forwarded";

    private final AddressRanges trusted;

    ForwardingHeaders(AddressRanges trusted) {
        this.trusted = trusted;
    }

    /**
     * Sets the forwarding headers of {@code headers}, those to be sent to the app, for {@code incoming} under {@code
     * prefix}: empty on an app's own host, which then has no {@code X-Forwarded-Prefix} unless a trusted proxy sent one.
     */
    void apply(MultiMap headers, HttpServerRequest incoming, String prefix) {
        SocketAddress remote = incoming.remoteAddress();
        String address = remote == null ? null : remote.hostAddress();
        boolean dotted = address != null && address.indexOf(':') < 0;
        // Vert.x writes an IPv4 peer as a dotted quad, fit to be sent as it is: only an IPv6 peer (to be written as RFC
        // 5952 has it) or a check against trusted ranges needs the address's bytes.
        byte[] bytes = address == null || dotted && trusted.isEmpty() ? null
                : AddressRanges.parseAddress(dotted ? address : withoutZone(address));
        String peer = address == null ? "unknown" : dotted || bytes == null ? address : AddressRanges.text(bytes);
        String forNode = bytes != null && bytes.length == 16 ? "\"[" + peer + "]\"" : value(peer);
        String proto = incoming.isSSL() ? "https" : "http";
        HostAndPort authority = incoming.authority();
        String host = authority == null ? null : authority.toString();
        String element = element(forNode, proto, host);
        if (bytes != null && !trusted.isEmpty() && trusted.contains(bytes)) {
            extend(headers, peer, proto, host, prefix, element);
        } else {
            headers.set(FOR, peer).set(PROTO, proto).set(FORWARDED, element);
            setOrRemove(headers, PREFIX, prefix);
            if (host != null) headers.set(HOST, host); else headers.remove(HOST);
        }
    }

    /** A trusted peer's headers, kept and extended with this hop. */
    private static void extend(MultiMap headers, String peer, String proto, String host, String prefix, String element) {
        String priorFor = joined(headers.getAll(FOR));
        String priorForwarded = joined(headers.getAll(FORWARDED));
        if (priorForwarded.isEmpty()) priorForwarded = fromXForwarded(priorFor, headers.get(PROTO), headers.get(HOST));
        headers.set(FOR, priorFor.isEmpty() ? peer : priorFor + ", " + peer);
        if (!headers.contains(PROTO)) headers.set(PROTO, proto);
        if (!headers.contains(HOST) && host != null) headers.set(HOST, host);
        String priorPrefix = headers.get(PREFIX) == null ? "" : headers.get(PREFIX).strip();
        while (priorPrefix.endsWith("/")) priorPrefix = priorPrefix.substring(0, priorPrefix.length() - 1);
        setOrRemove(headers, PREFIX, priorPrefix + prefix);
        headers.set(FORWARDED, priorForwarded.isEmpty() ? element : priorForwarded + ", " + element);
    }

    /**
     * RFC 7239 elements that say what a peer's {@code X-Forwarded-*} say: one {@code for=} per address in {@code
     * X-Forwarded-For}, the first (the client's, as the first proxy saw it) with the proto and host; empty when the peer
     * sent none of them.
     */
    static String fromXForwarded(String xForwardedFor, String proto, String host) {
        StringBuilder elements = new StringBuilder();
        for (String entry : xForwardedFor.split(",")) {
            String node = entry.strip();
            if (node.isEmpty()) continue;
            boolean first = elements.isEmpty();
            if (!first) elements.append(", ");
            elements.append("for=").append(node(node));
            if (first) appendProtoAndHost(elements, proto, host);
        }
        if (elements.isEmpty()) {
            appendProtoAndHost(elements, proto, host);
            if (!elements.isEmpty()) elements.deleteCharAt(0);
        }
        return elements.toString();
    }

    private static void appendProtoAndHost(StringBuilder element, String proto, String host) {
        if (proto != null && !proto.isBlank()) element.append(";proto=").append(value(proto.strip()));
        if (host != null && !host.isBlank()) element.append(";host=").append(value(host.strip()));
    }

    /** This hop's element: {@code for=<node>;proto=<proto>;host=<host>}. */
    static String element(String forNode, String proto, String host) {
        StringBuilder element = new StringBuilder(64).append("for=").append(forNode).append(";proto=").append(proto);
        if (host != null) element.append(";host=").append(value(host));
        return element.toString();
    }

    /**
     * A {@code for=} value (RFC 7239 §6): an IPv4 address or a token as it is; an IPv6 address bracketed and quoted,
     * {@code "[2001:db8::1]"}; anything else (a port, a host name with odd characters) quoted.
     */
    static String node(String text) {
        if (text.indexOf(':') >= 0 && text.charAt(0) != '[' && text.charAt(0) != '"') {
            byte[] v6 = AddressRanges.parseAddress(withoutZone(text));
            if (v6 != null && v6.length == 16) return "\"[" + AddressRanges.text(v6) + "]\"";
        }
        return value(text);
    }

    /** A parameter value (RFC 7239 §4): a token as it is, anything else as a quoted-string. */
    static String value(String text) {
        if (RequestFraming.isToken(text)) return text;
        if (text.length() >= 2 && text.charAt(0) == '"' && text.charAt(text.length() - 1) == '"') text = text.substring(1, text.length() - 1);
        StringBuilder quoted = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"' || c == '\\') quoted.append('\\');
            // A control character cannot be written even in a quoted-string (RFC 9110 §5.6.4).
            quoted.append(c < 0x20 && c != '\t' || c == 0x7f ? '?' : c);
        }
        return quoted.append('"').toString();
    }

    private static void setOrRemove(MultiMap headers, String name, String value) {
        if (value.isEmpty()) headers.remove(name); else headers.set(name, value);
    }

    private static String joined(List<String> values) {
        return values.isEmpty() ? "" : values.size() == 1 ? values.getFirst().strip() : String.join(", ", values).strip();
    }

    private static String withoutZone(String address) {
        int zone = address.indexOf('%');
        return zone < 0 ? address : address.substring(0, zone);
    }
}
