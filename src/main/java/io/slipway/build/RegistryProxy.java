package io.slipway.build;

import io.slipway.config.SlipwayConfig;
import io.slipway.logs.LogSink;
import io.slipway.runtime.RegistryGateway;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The only way out of a build sandbox: an HTTP {@code CONNECT} proxy on unix sockets, one per build step, that tunnels
 * to the package registries' hosts and refuses every other destination. Builds run in a network namespace of their
 * own, where {@code socat} bridges {@code 127.0.0.1:3128} to their step's socket, and npm and pip are pointed at it;
 * so an install script cannot reach Slipway, the host's services or anything but the registries. Names are resolved
 * here, not in the build. What a step was refused, and which registry could not be reached, is said once per
 * destination in that step's log ({@link #refusedNotice}, {@link #unreachableNotice}): npm and pip print only a status.
 */
public final class RegistryProxy implements RegistryGateway, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RegistryProxy.class);
    private static final Pattern CONNECT = Pattern.compile("CONNECT ([A-Za-z0-9.-]{1,253}):(\\d{1,5}) HTTP/1\\.[01]");
    private static final int MAX_HEAD = 8192;
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** The step log's line for a refused destination; {@link InstallDiagnosis} reads it back. */
    static final Pattern REFUSED_NOTICE = Pattern.compile("registry proxy: refused (\\S+), which is not a package registry");
    /** The step log's line for a registry that could not be reached. */
    static final Pattern UNREACHABLE_NOTICE = Pattern.compile("registry proxy: cannot reach the registry (\\S+): ");

    private final Path dir;
    private final Set<String> allowedHosts;
    private final AtomicLong steps = new AtomicLong();
    private final Set<StepSocket> open = ConcurrentHashMap.newKeySet();

    private RegistryProxy(Path dir, Set<String> allowedHosts) {
        this.dir = dir;
        this.allowedHosts = Set.copyOf(allowedHosts);
    }

    /**
     * Serves the steps' sockets in {@code dir}, which it makes passable by every uid (a step's sandbox binds its socket
     * from there as the build uid); sockets an earlier run left there are removed.
     *
     * @param allowedHosts lowercase host names that builds may tunnel to, on port 443 or an explicit registry port
     */
    public static RegistryProxy start(Path dir, Set<String> allowedHosts) {
        try {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
            try (var leftovers = Files.list(dir)) {
                for (Path socket : leftovers.toList()) Files.deleteIfExists(socket);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the builds' registry proxy in " + dir, e);
        }
        LOG.info("builds reach only {} through sockets in {}", allowedHosts, dir);
        return new RegistryProxy(dir, allowedHosts);
    }

    @Override
    public WayOut open(LogSink log) {
        Path socket = dir.resolve("step-" + steps.incrementAndGet() + ".sock");
        try {
            Files.deleteIfExists(socket);
            ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(socket), 256);
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
            StepSocket step = new StepSocket(socket, server, log);
            open.add(step);
            Thread.ofVirtual().name("registry-proxy-" + socket.getFileName()).start(() -> acceptLoop(step));
            return step;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a registry proxy socket at " + socket, e);
        }
    }

    /** One step's socket, with the destinations already noted in its log (each is said once, however often retried). */
    private final class StepSocket implements WayOut {
        private final Path socket;
        private final ServerSocketChannel server;
        private final LogSink log;
        private final Set<String> noted = ConcurrentHashMap.newKeySet();

        StepSocket(Path socket, ServerSocketChannel server, LogSink log) {
            this.socket = socket;
            this.server = server;
            this.log = log;
        }

        @Override
        public Path socket() {
            return socket;
        }

        void note(String notice) {
            if (noted.add(notice)) log.event(notice);
        }

        @Override
        public void close() {
            open.remove(this);
            try {
                server.close();
                Files.deleteIfExists(socket);
            } catch (IOException e) {
                LOG.warn("cannot close the registry proxy socket {}: {}", socket, e.getMessage());
            }
        }
    }

    private void acceptLoop(StepSocket step) {
        while (step.server.isOpen()) {
            try {
                SocketChannel client = step.server.accept();
                Thread.ofVirtual().name("registry-proxy-conn").start(() -> serve(client, step));
            } catch (IOException e) {
                if (step.server.isOpen()) LOG.warn("registry proxy: accept failed: {}", e.getMessage());
            }
        }
    }

    private void serve(SocketChannel client, StepSocket step) {
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
            String destination = port == 443 ? host : host + ":" + port;
            if (!allowed(host, port)) {
                LOG.info("registry proxy: refused a build's tunnel to {}:{}", host, port);
                step.note(refusedNotice(destination));
                reply(client, "403 Forbidden", "builds may reach only " + allowedHosts);
                return;
            }
            tunnel(client, host, port, destination, step);
        } catch (IOException e) {
            LOG.debug("registry proxy: connection ended: {}", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void tunnel(SocketChannel client, String host, int port, String destination, StepSocket step)
            throws IOException, InterruptedException {
        try (SocketChannel upstream = SocketChannel.open()) {
            try {
                upstream.socket().connect(new InetSocketAddress(host, port), (int) CONNECT_TIMEOUT.toMillis());
            } catch (IOException | UnresolvedAddressException e) {
                String why = unreachable(e);
                LOG.info("registry proxy: cannot reach {}:{}: {}", host, port, why);
                step.note(unreachableNotice(destination, why));
                reply(client, "502 Bad Gateway", "Slipway cannot reach " + destination + ": " + why);
                return;
            }
            client.write(ByteBuffer.wrap("HTTP/1.1 200 Connection Established\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
            Thread back = Thread.ofVirtual().start(() -> io.slipway.runtime.host.SocketPipes.pipe(upstream, client));
            io.slipway.runtime.host.SocketPipes.pipe(client, upstream);
            back.join();
        }
    }

    private static String unreachable(Exception e) {
        return switch (e) {
            case UnknownHostException u -> "its name does not resolve";
            case UnresolvedAddressException u -> "its name does not resolve";
            case SocketTimeoutException t -> "it did not answer within " + CONNECT_TIMEOUT.toSeconds() + " s";
            case ConnectException c -> "the connection was refused";
            default -> String.valueOf(e.getMessage());
        };
    }

    /** What a step's log says of a destination it may not reach ({@code github.com}, {@code example.org:8080}). */
    static String refusedNotice(String destination) {
        return "registry proxy: refused " + destination + ", which is not a package registry (build.allowedHosts)";
    }

    /** What a step's log says of an allowed destination that could not be reached, and why. */
    static String unreachableNotice(String destination, String why) {
        return "registry proxy: cannot reach the registry " + destination + ": " + why;
    }

    /** A host listed alone may be reached on 443; {@code host:port} names any other port. */
    private boolean allowed(String host, int port) {
        return allowedHosts.contains(host + ":" + port) || port == 443 && allowedHosts.contains(host);
    }

    /**
     * The hosts the configured registries live on: npm's (default {@code registry.npmjs.org}), pip's index (default
     * PyPI and its file host, unless pip installs only from local wheels), and {@code build.allowedHosts}.
     */
    public static Set<String> hostsFor(SlipwayConfig.BuildSettings build) {
        Set<String> hosts = new TreeSet<>();
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

    /** The host of a registry's URL, with its port unless that is 443. */
    static String hostOf(String url) {
        URI uri = URI.create(url.trim());
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

    /** Closes every step's socket still open. */
    @Override
    public void close() {
        open.forEach(StepSocket::close);
    }
}
