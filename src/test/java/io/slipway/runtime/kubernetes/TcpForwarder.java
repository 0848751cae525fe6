package io.slipway.runtime.kubernetes;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Service port as kube-proxy makes it: connections to {@code clusterIP:port} go to one of its endpoints, in turn,
 * bytes piped both ways on virtual threads. It listens only while it has endpoints: with none, the address refuses
 * connections, as a Service with no ready pod does (kube-proxy rejects them). Connections made stay until either end
 * closes them. Thread-safe.
 */
final class TcpForwarder implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TcpForwarder.class);

    private final InetSocketAddress address;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger turn = new AtomicInteger();
    private volatile List<InetSocketAddress> endpoints = List.of();
    private ServerSocket listener;

    TcpForwarder(InetSocketAddress address) {
        this.address = address;
    }

    /** Forwards to {@code now} from here on; listens while it is not empty. */
    synchronized void endpoints(List<InetSocketAddress> now) {
        endpoints = List.copyOf(now);
        if (now.isEmpty() && listener != null) {
            closeQuietly(listener);
            listener = null;
        } else if (!now.isEmpty() && listener == null) {
            try {
                ServerSocket socket = new ServerSocket();
                socket.setReuseAddress(true);
                socket.bind(address, 128);
                listener = socket;
                Thread.ofVirtual().name("kube-proxy-" + address).start(() -> accept(socket));
            } catch (IOException e) {
                throw new IllegalStateException("cannot listen on " + address + " for a Service", e);
            }
        }
    }

    private void accept(ServerSocket socket) {
        while (!socket.isClosed()) {
            try {
                Socket client = socket.accept();
                Thread.ofVirtual().start(() -> forward(client));
            } catch (IOException e) {
                if (!socket.isClosed()) LOG.debug("accepting on {}: {}", address, e.toString());
            }
        }
    }

    private void forward(Socket client) {
        List<InetSocketAddress> targets = endpoints;
        if (targets.isEmpty()) {
            closeQuietly(client);
            return;
        }
        InetSocketAddress target = targets.get(Math.floorMod(turn.getAndIncrement(), targets.size()));
        Socket upstream = new Socket();
        open.add(client);
        open.add(upstream);
        try {
            upstream.connect(target, 5000);
            Thread back = Thread.ofVirtual().start(() -> pipe(upstream, client));
            pipe(client, upstream);
            back.join();
        } catch (IOException e) {
            LOG.debug("{} → {}: {}", address, target, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            closeQuietly(client);
            closeQuietly(upstream);
            open.remove(client);
            open.remove(upstream);
        }
    }

    /** Copies until {@code from} ends, then half-closes {@code to}, so that the other direction can finish. */
    private static void pipe(Socket from, Socket to) {
        // Not closed when done: closing a socket's stream closes the socket, and the other direction may still run.
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            in.transferTo(out);
            out.flush();
            if (!to.isClosed()) to.shutdownOutput();
        } catch (IOException e) {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    @Override
    public synchronized void close() {
        if (listener != null) closeQuietly(listener);
        listener = null;
        open.forEach(TcpForwarder::closeQuietly);
    }

    private static void closeQuietly(java.io.Closeable closeable) {
        try {
            closeable.close();
        } catch (IOException e) {
            // closing
        }
    }
}
