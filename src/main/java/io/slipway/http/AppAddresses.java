package io.slipway.http;

import io.vertx.core.net.SocketAddress;
import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;

/** Where Vert.x dials an app whose sandbox is at a runtime's address: over TCP, or a unix socket bridged into it. */
public final class AppAddresses {
    private AppAddresses() {
    }

    public static SocketAddress of(java.net.SocketAddress address) {
        return switch (address) {
            case UnixDomainSocketAddress unix -> SocketAddress.domainSocketAddress(unix.getPath().toString());
            case InetSocketAddress inet -> SocketAddress.inetSocketAddress(inet.getPort(), inet.getHostString());
            default -> throw new IllegalStateException("cannot dial " + address);
        };
    }
}
