package io.slipway.runtime.kubernetes;

import io.slipway.runtime.RegistryGateway;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A build pod's way to the registry proxy: a TCP port of Slipway's, open while one step runs, whose every connection is
 * carried to that step's {@link RegistryGateway.WayOut} socket, so that what the proxy refuses is said in that step's
 * log as on the other runtimes. It listens on the address pods reach Slipway at when that is one of this host's (a pod
 * IP, or the loopback in tests), else on all of them; the step's NetworkPolicy admits the pod to this port alone, and
 * what connects gets nothing but tunnels to the registries. At most {@value #MAX_CONNECTIONS} at once. Closing it ends
 * the listener and every connection.
 */
final class ProxyListener implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ProxyListener.class);
    /** npm opens up to 16 connections at once; more is an install script's doing. */
    static final int MAX_CONNECTIONS = 64;

    private final ServerSocketChannel server;
    private final RegistryGateway.WayOut wayOut;
    private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();

    private ProxyListener(ServerSocketChannel server, RegistryGateway.WayOut wayOut) {
        this.server = server;
        this.wayOut = wayOut;
    }

    /** Listens for the step whose way out is {@code wayOut}, on a free port where pods reach {@code slipwayHost}. */
    static ProxyListener open(RegistryGateway.WayOut wayOut, String slipwayHost) {
        try {
            ServerSocketChannel server = ServerSocketChannel.open();
            server.bind(new InetSocketAddress(bindAddress(slipwayHost), 0), MAX_CONNECTIONS);
            ProxyListener listener = new ProxyListener(server, wayOut);
            Thread.ofVirtual().name("build-proxy-" + listener.port()).start(listener::accept);
            return listener;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen for a build pod's registry connections", e);
        }
    }

    int port() {
        return ((InetSocketAddress) server.socket().getLocalSocketAddress()).getPort();
    }

    private static InetAddress bindAddress(String host) {
        try {
            InetAddress address = InetAddress.getByName(host);
            if (address.isLoopbackAddress() || NetworkInterface.getByInetAddress(address) != null) return address;
        } catch (UnknownHostException | SocketException e) {
            LOG.debug("{} is not an address of this host ({}): listening on all", host, e.getMessage());
        }
        return new InetSocketAddress(0).getAddress();
    }

    private void accept() {
        while (server.isOpen()) {
            try {
                SocketChannel client = server.accept();
                if (open.size() >= MAX_CONNECTIONS) {
                    client.close();
                    continue;
                }
                open.add(client);
                Thread.ofVirtual().name("build-proxy-conn").start(() -> carry(client));
            } catch (IOException e) {
                if (server.isOpen()) LOG.warn("a build pod's registry listener failed: {}", e.getMessage());
            }
        }
    }

    private void carry(SocketChannel client) {
        try (client; SocketChannel proxy = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            proxy.connect(UnixDomainSocketAddress.of(wayOut.socket()));
            open.add(proxy);
            Thread back = Thread.ofVirtual().start(() -> io.slipway.runtime.host.SocketPipes.pipe(proxy, client));
            io.slipway.runtime.host.SocketPipes.pipe(client, proxy);
            back.join();
            open.remove(proxy);
        } catch (IOException e) {
            LOG.debug("a build pod's registry connection ended: {}", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            open.remove(client);
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            LOG.debug("closing a build pod's registry listener: {}", e.getMessage());
        }
        for (SocketChannel channel : open) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing what is closing anyway
            }
        }
    }
}
