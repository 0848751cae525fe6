package io.slipway.runtime;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;

/** Every address of this host, as an app in a sandbox would write it to dial the host. */
public final class HostAddresses {
    private HostAddresses() {
    }

    /**
     * Every IPv4 and IPv6 address of every interface that is up (loopback included), and the any addresses
     * ({@code 0.0.0.0}, {@code ::}), which mean "this host" to a dialler. A link-local IPv6 address needs a scope: the
     * sandbox's own interface, {@code eth0}, where the host's end of its link would be.
     */
    public static List<String> asSeenFromASandbox() {
        try {
            Stream<String> own = Collections.list(NetworkInterface.getNetworkInterfaces()).stream().filter(HostAddresses::isUp)
                    .flatMap(n -> Collections.list(n.getInetAddresses()).stream()).map(HostAddresses::literal);
            return Stream.concat(own, Stream.of("0.0.0.0", "::")).distinct().toList();
        } catch (SocketException e) {
            throw new IllegalStateException("cannot list the host's interfaces", e);
        }
    }

    private static boolean isUp(NetworkInterface n) {
        try {
            return n.isUp();
        } catch (SocketException e) {
            return false; // gone meanwhile (another test's sandbox link)
        }
    }

    private static String literal(InetAddress address) {
        if (!(address instanceof Inet6Address v6)) return address.getHostAddress();
        String bare = v6.getHostAddress().replaceFirst("%.*$", "");
        return v6.isLinkLocalAddress() ? bare + "%eth0" : bare;
    }
}
