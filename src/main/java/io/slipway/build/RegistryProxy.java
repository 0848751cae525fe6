package io.slipway.build;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The only way out of a build sandbox: an HTTP {@code CONNECT} proxy on a unix socket that tunnels to the package
 * registries' hosts and refuses every other destination. Builds run in a network namespace of their own, where
 * {@code socat} bridges {@code 127.0.0.1:3128} to this socket, and npm and pip are pointed at it; so an install script
 * cannot reach Slipway, the host's services or anything but the registries. Names are resolved here, not in the build.
 */
public final class RegistryProxy implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RegistryProxy.class);
    private static final Pattern CONNECT = Pattern.compile("CONNECT ([A-Za-z0-9.-]{1,253}):(\\d{1,5}) HTTP/1\\.[01]");
    private static final int MAX_HEAD = 8192;
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

    private final Path socket;
    private final Set<String> allowedHosts;
    private final ServerSocketChannel server;

    private RegistryProxy(Path socket, Set<String> allowedHosts, ServerSocketChannel server) {
        this.socket = socket;
        this.allowedHosts = allowedHosts;
        this.server = server;
    }

    /**
     * Listens on {@code socket}, which only root may connect to until the build runner hands it to the builds' uid.
     *
     * @param allowedHosts lowercase host names that builds may tunnel to, on port 443 or an explicit registry port
     */
    public static RegistryProxy start(Path socket, Set<String> allowedHosts) {
        try {
            Files.deleteIfExists(socket);
            ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(socket), 256);
            Files.setPosixFilePermissions(socket, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            RegistryProxy proxy = new RegistryProxy(socket, Set.copyOf(allowedHosts), server);
            Thread.ofVirtual().name("registry-proxy").start(proxy::acceptLoop);
            LOG.info("builds reach only {} through {}", allowedHosts, socket);
            return proxy;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the builds' registry proxy on " + socket, e);
        }
    }

    public Path socket() {
        return socket;
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            try {
                SocketChannel client = server.accept();
                Thread.ofVirtual().name("registry-proxy-conn").start(() -> serve(client));
            } catch (IOException e) {
                if (server.isOpen()) LOG.warn("registry proxy: accept failed: {}", e.getMessage());
            }
        }
    }

    private void serve(SocketChannel client) {
        try (client) {
            String head = readHead(client);
            if (head == null) return;
            Matcher m = CONNECT.matcher(head.lines().findFirst().orElse(""));
            if (!m.matches()) {
                reply(client, "405 Method Not Allowed", "builds may only tunnel (CONNECT) to a package registry");
                return;
            }
            String host = m.group(1).toLowerCase(Locale.ROOT);
            int port = Integer.parseInt(m.group(2));
            if (!allowed(host, port)) {
                LOG.info("registry proxy: refused a build's tunnel to {}:{}", host, port);
                reply(client, "403 Forbidden", "builds may reach only " + allowedHosts);
                return;
            }
            try (SocketChannel upstream = SocketChannel.open()) {
                upstream.socket().connect(new InetSocketAddress(host, port), (int) CONNECT_TIMEOUT.toMillis());
                client.write(ByteBuffer.wrap("HTTP/1.1 200 Connection Established\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
                Thread back = Thread.ofVirtual().start(() -> pipe(upstream, client));
                pipe(client, upstream);
                back.join();
            }
        } catch (IOException e) {
            LOG.debug("registry proxy: connection ended: {}", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A host listed alone may be reached on 443; {@code host:port} names any other port. */
    private boolean allowed(String host, int port) {
        return allowedHosts.contains(host + ":" + port) || port == 443 && allowedHosts.contains(host);
    }

    /**
     * The hosts the configured registries live on: npm's (default {@code registry.npmjs.org}), pip's index (default
     * PyPI and its file host, unless pip installs only from local wheels), and {@code build.allowedHosts}.
     */
    public static Set<String> hostsFor(io.slipway.config.SlipwayConfig.BuildSettings build) {
        java.util.Set<String> hosts = new java.util.TreeSet<>();
        hosts.add(hostOf(build.npmRegistry().isBlank() ? "https://registry.npmjs.org/" : build.npmRegistry()));
        if (!build.pipIndexUrl().isBlank()) {
            hosts.add(hostOf(build.pipIndexUrl()));
        } else if (!build.pipOffline()) {
            hosts.add("pypi.org");
            hosts.add("files.pythonhosted.org");
        }
        for (String extra : build.allowedHosts().split("[\\s,]+")) {
            if (!extra.isBlank()) hosts.add(extra.trim().toLowerCase(Locale.ROOT));
        }
        return hosts;
    }

    private static String hostOf(String url) {
        java.net.URI uri = java.net.URI.create(url.trim());
        String host = uri.getHost().toLowerCase(Locale.ROOT);
        return uri.getPort() == -1 || uri.getPort() == 443 ? host : host + ":" + uri.getPort();
    }

    /** The request head, up to the blank line; null when the client closed before sending one. */
    private static String readHead(SocketChannel client) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(MAX_HEAD);
        while (buffer.hasRemaining()) {
            if (client.read(buffer) < 0) return null;
            String text = new String(buffer.array(), 0, buffer.position(), StandardCharsets.ISO_8859_1);
            if (text.contains("\r\n\r\n")) return text;
        }
        return null;
    }

    private static void reply(SocketChannel client, String status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        client.write(ByteBuffer.wrap(("HTTP/1.1 " + status + "\r\nContent-Type: text/plain\r\nContent-Length: " + bytes.length
                + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII)));
        client.write(ByteBuffer.wrap(bytes));
    }

    /** Copies until {@code from} ends, then half-closes {@code to} so that the other direction can finish. */
    private static void pipe(SocketChannel from, SocketChannel to) {
        ByteBuffer buffer = ByteBuffer.allocate(32 * 1024);
        try {
            while (from.read(buffer) >= 0) {
                buffer.flip();
                while (buffer.hasRemaining()) to.write(buffer);
                buffer.clear();
            }
            to.shutdownOutput();
        } catch (IOException e) {
            // either side went away: the tunnel is over
        }
    }

    @Override
    public void close() {
        try {
            server.close();
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            LOG.warn("cannot close the registry proxy: {}", e.getMessage());
        }
    }
}
