package io.slipway.testing;

import io.slipway.runtime.NetworkPolicy;
import io.vertx.core.json.JsonObject;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * The fake runtime's model of a sandbox's network: what a dial from a simulated app would give under its
 * {@link NetworkPolicy}, as a real sandbox with a network namespace of its own gives it. Nothing is dialled. The app
 * reaches its own port on its own loopback; with {@link NetworkPolicy#INTERNET}, public addresses; never the host
 * (any of its addresses), other sandboxes, or private, link-local, CGNAT and loopback ranges.
 */
final class FakeNetwork {
    private static final Pattern LITERAL = Pattern.compile("[0-9.]+|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*");

    private FakeNetwork() {
    }

    /** {@code {ok: true}}, or {@code {ok: false, code}} with the error node would report. */
    static JsonObject dial(String host, int port, int ownPort, NetworkPolicy policy) {
        String bare = host.replaceFirst("%.*$", "");
        if (!LITERAL.matcher(bare).matches()) return refused("ENOTFOUND"); // the simulation resolves no names
        InetAddress address;
        try {
            address = InetAddress.getByName(bare); // a literal: no lookup
        } catch (UnknownHostException e) {
            return refused("EINVAL");
        }
        if (address.isLoopbackAddress() || address.isAnyLocalAddress()) {
            // Its own loopback, where nothing but the app itself listens.
            return port == ownPort ? new JsonObject().put("ok", true) : refused("ECONNREFUSED");
        }
        if (policy == NetworkPolicy.ISOLATED) return refused("ENETUNREACH");
        return isPublic(address) && !isHosts(address) ? new JsonObject().put("ok", true) : refused("TIMEOUT");
    }

    private static JsonObject refused(String code) {
        return new JsonObject().put("ok", false).put("code", code);
    }

    private static boolean isPublic(InetAddress address) {
        if (address.isLinkLocalAddress() || address.isSiteLocalAddress() || address.isMulticastAddress()) return false;
        byte[] b = address.getAddress();
        return switch (address) {
            case Inet4Address v4 -> b[0] != 0 && (b[0] & 0xff) < 224 && !((b[0] & 0xff) == 100 && (b[1] & 0xc0) == 64);
            case Inet6Address v6 -> (b[0] & 0xfe) != 0xfc; // not a unique local address (fc00::/7)
            default -> false;
        };
    }

    /** An address of one of this host's interfaces: the host's services are never reachable, whatever their address. */
    private static boolean isHosts(InetAddress address) {
        try {
            return NetworkInterface.getByInetAddress(address) != null;
        } catch (SocketException e) {
            return true;
        }
    }
}
