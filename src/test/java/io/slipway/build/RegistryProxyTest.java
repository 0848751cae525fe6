package io.slipway.build;

import static org.assertj.core.api.Assertions.assertThat;

import io.slipway.config.SlipwayConfig;
import io.slipway.logs.LogSource;
import io.slipway.runtime.RegistryGateway;
import io.slipway.testing.RecordingLogSink;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The builds' registry proxy over real sockets: it tunnels to allowed hosts and to nothing else, and says in each step's
 * log what that step was refused or could not reach.
 */
class RegistryProxyTest {
    @TempDir
    Path dir;
    private final RecordingLogSink log = new RecordingLogSink();

    @Test
    void tunnelsToAnAllowedHostAndPort() throws Exception {
        try (ServerSocket upstream = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
             RegistryProxy proxy = RegistryProxy.start(dir, Set.of("localhost:" + upstream.getLocalPort()));
             RegistryGateway.WayOut step = proxy.open(log)) {
            Thread.ofVirtual().start(() -> echoOnce(upstream));
            try (SocketChannel client = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                client.connect(UnixDomainSocketAddress.of(step.socket()));
                send(client, "CONNECT localhost:" + upstream.getLocalPort() + " HTTP/1.1\r\nHost: x\r\n\r\n");
                assertThat(read(client)).startsWith("HTTP/1.1 200");
                send(client, "ping");
                assertThat(read(client)).isEqualTo("ping");
            }
        }
        assertThat(log.lines()).isEmpty();
    }

    @Test
    void refusesHostsThatAreNotRegistriesAndAnythingButConnect() throws Exception {
        try (RegistryProxy proxy = RegistryProxy.start(dir, Set.of("registry.npmjs.org")); RegistryGateway.WayOut step = proxy.open(log)) {
            assertThat(exchange(step, "CONNECT 127.0.0.1:3000 HTTP/1.1\r\n\r\n")).startsWith("HTTP/1.1 403");
            assertThat(exchange(step, "CONNECT registry.npmjs.org:22 HTTP/1.1\r\n\r\n")).startsWith("HTTP/1.1 403");
            assertThat(exchange(step, "CONNECT registry.npmjs.org.evil.example:443 HTTP/1.1\r\n\r\n")).startsWith("HTTP/1.1 403");
            assertThat(exchange(step, "GET http://127.0.0.1:3000/ HTTP/1.1\r\n\r\n")).startsWith("HTTP/1.1 405");
        }
    }

    @Test
    void eachRefusedDestinationIsSaidOnceInItsOwnStepsLog() throws Exception {
        RecordingLogSink other = new RecordingLogSink();
        try (RegistryProxy proxy = RegistryProxy.start(dir, Set.of("registry.npmjs.org"));
             RegistryGateway.WayOut step = proxy.open(log); RegistryGateway.WayOut otherStep = proxy.open(other)) {
            assertThat(step.socket()).isNotEqualTo(otherStep.socket());
            for (int retry = 0; retry < 3; retry++) exchange(step, "CONNECT github.com:443 HTTP/1.1\r\n\r\n");
            exchange(step, "CONNECT nodejs.org:443 HTTP/1.1\r\n\r\n");
            exchange(otherStep, "CONNECT example.org:8080 HTTP/1.1\r\n\r\n");
        }
        assertThat(log.of(LogSource.SLIPWAY)).containsExactly(
                "registry proxy: refused github.com, which is not a package registry (build.allowedHosts)",
                "registry proxy: refused nodejs.org, which is not a package registry (build.allowedHosts)");
        assertThat(other.of(LogSource.SLIPWAY)).containsExactly(
                "registry proxy: refused example.org:8080, which is not a package registry (build.allowedHosts)");
    }

    @Test
    void aRegistryThatCannotBeReachedIsABadGatewaySaidInTheStepsLog() throws Exception {
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int refusing = closed.getLocalPort();
            closed.close();
            try (RegistryProxy proxy = RegistryProxy.start(dir, Set.of("pypi.invalid", "localhost:" + refusing));
                 RegistryGateway.WayOut step = proxy.open(log)) {
                assertThat(exchange(step, "CONNECT pypi.invalid:443 HTTP/1.1\r\n\r\n")).startsWith("HTTP/1.1 502");
                assertThat(exchange(step, "CONNECT localhost:" + refusing + " HTTP/1.1\r\n\r\n")).startsWith("HTTP/1.1 502");
            }
            assertThat(log.of(LogSource.SLIPWAY)).containsExactly(
                    "registry proxy: cannot reach the registry pypi.invalid: its name does not resolve",
                    "registry proxy: cannot reach the registry localhost:" + refusing + ": the connection was refused");
        }
    }

    @Test
    void aClosedStepsSocketIsGone() {
        try (RegistryProxy proxy = RegistryProxy.start(dir, Set.of("registry.npmjs.org"))) {
            RegistryGateway.WayOut step = proxy.open(log);
            assertThat(step.socket()).exists().hasParent(dir);

            step.close();

            assertThat(step.socket()).doesNotExist();
        }
    }

    @Test
    void allowedHostsComeFromTheConfiguredRegistries() {
        var build = SlipwayConfig.defaults(dir).build();
        assertThat(RegistryProxy.hostsFor(build)).containsExactly("files.pythonhosted.org", "pypi.org", "registry.npmjs.org");
        var mirrors = new SlipwayConfig.BuildSettings(build.timeout(), build.esbuildVersion(), "https://npm.internal:8443/",
                "https://pypi.internal/simple", "", "", build.network(), "extra.example, other.example:8080", build.limits(), build.bundle());
        assertThat(RegistryProxy.hostsFor(mirrors)).containsExactly("extra.example", "npm.internal:8443", "other.example:8080", "pypi.internal");
        assertThat(RegistryProxy.hostsFor(build.withPipFindLinks("/wheels"))).containsExactly("registry.npmjs.org");
    }

    private static String exchange(RegistryGateway.WayOut step, String request) throws IOException {
        try (SocketChannel client = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            client.connect(UnixDomainSocketAddress.of(step.socket()));
            send(client, request);
            return read(client);
        }
    }

    private static void send(SocketChannel channel, String text) throws IOException {
        channel.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII)));
    }

    private static String read(SocketChannel channel) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(1024);
        channel.read(buffer);
        return new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII);
    }

    private static void echoOnce(ServerSocket server) {
        try (Socket s = server.accept(); InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            byte[] buf = new byte[4];
            int n = in.readNBytes(buf, 0, 4);
            out.write(buf, 0, n);
            out.flush();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
