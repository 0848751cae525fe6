package io.slipway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.slipway.testing.SlipwayServerExtension;
import io.slipway.testing.TestApps;
import io.slipway.testing.TestServer;
import io.slipway.testing.TlsTerminatingProxy;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What an app hears of who called it, against a real app that reports every header it received: a client's own
 * forwarding headers are replaced, unless its connection comes from a trusted proxy ({@code proxy.trustedProxies}),
 * whose headers are kept and extended with this hop. Both servers listen on {@code ::}, so IPv4 and IPv6 clients reach them.
 */
class ForwardingHeadersIT {
    private static final String SPOOFED = "X-Forwarded-For: 6.6.6.6\r\nX-Forwarded-For: 7.7.7.7\r\nx-forwarded-proto: https\r\n"
            + "X-Forwarded-Host: evil.example\r\nX-Forwarded-Prefix: /evil\r\nForwarded: for=6.6.6.6;proto=https;host=evil.example\r\n";

    @RegisterExtension
    static final SlipwayServerExtension slipway = SlipwayServerExtension.withKeys(Map.of("host", "::"));
    static TestServer server;
    static String app;

    @BeforeAll
    static void deployApp() {
        app = server.deploy(server.token("forwarding"), "index.js", TestApps.source("hello.js"), Map.of()).getString("id");
    }

    // --- no trusted proxies (the default) -----------------------------------------------------------------------------

    @Test
    void aClientsOwnForwardingHeadersAreReplacedWithWhatSlipwaySees() {
        int port = server.base().getPort();
        Headers seen = get(null, "127.0.0.1", port, "HTTP/1.1", "localhost:" + port, SPOOFED);

        assertThat(seen.all("X-Forwarded-For")).containsExactly("127.0.0.1");
        assertThat(seen.all("X-Forwarded-Proto")).containsExactly("http");
        assertThat(seen.all("X-Forwarded-Host")).containsExactly("localhost:" + port);
        assertThat(seen.all("X-Forwarded-Prefix")).containsExactly("/containers/" + app);
        assertThat(seen.all("Forwarded")).containsExactly("for=127.0.0.1;proto=http;host=\"localhost:" + port + "\"");
    }

    @Test
    void anIpv6ClientIsNamedAsRfc7239Has() {
        int port = server.base().getPort();
        Headers seen = get(null, "::1", port, "HTTP/1.1", "[::1]:" + port, SPOOFED);

        assertThat(seen.all("X-Forwarded-For")).containsExactly("::1");
        assertThat(seen.all("Forwarded")).containsExactly("for=\"[::1]\";proto=http;host=\"[::1]:" + port + "\"");
    }

    @Test
    void anHttp10ClientsHeadersAreReplacedToo() {
        // HTTP/1.0 goes through vertx-http-proxy, not the forwarder of HTTP/1.1 and HTTP/2.
        int port = server.base().getPort();
        Headers seen = get(null, "127.0.0.1", port, "HTTP/1.0", "localhost:" + port, SPOOFED);

        assertThat(seen.all("X-Forwarded-For")).containsExactly("127.0.0.1");
        assertThat(seen.all("X-Forwarded-Proto")).containsExactly("http");
        assertThat(seen.all("Forwarded")).containsExactly("for=127.0.0.1;proto=http;host=\"localhost:" + port + "\"");
    }

    @Test
    void curlsSpoofedHeadersAreReplaced() {
        Headers seen = curl(server.base() + "/containers/" + app + "/", "-H", "X-Forwarded-For: 6.6.6.6", "-H", "X-Forwarded-Proto: https",
                "-H", "Forwarded: for=6.6.6.6;proto=https");

        assertThat(seen.all("X-Forwarded-For")).containsExactly("127.0.0.1");
        assertThat(seen.all("X-Forwarded-Proto")).containsExactly("http");
        assertThat(seen.all("Forwarded")).containsExactly("for=127.0.0.1;proto=http;host=\"127.0.0.1:" + server.base().getPort() + "\"");
    }

    @Test
    void behindAnUntrustedTlsProxyAppsAreToldOnlyWhatSlipwaySaw() {
        try (TlsTerminatingProxy front = TlsTerminatingProxy.start(server.base(), "127.0.0.3")) {
            Headers seen = curl(front.base() + "/containers/" + app + "/", "-k");

            // The proxy is not trusted: its word is not taken, not even for its scheme.
            assertThat(seen.all("X-Forwarded-Proto")).containsExactly("http");
            assertThat(seen.all("X-Forwarded-For")).containsExactly("127.0.0.3");
        }
    }

    // --- behind trusted proxies -----------------------------------------------------------------------------------------

    @Nested
    class BehindTrustedProxies {
        // A server of its own. 127.0.0.2/31 holds 127.0.0.2 and 127.0.0.3, not 127.0.0.1; 10.0.0.0/8 holds none of the
        // loopback addresses.
        @RegisterExtension
        static final SlipwayServerExtension slipwayBehind = SlipwayServerExtension.withKeys(Map.of("host", "::",
                "proxy.trustedProxies", "10.0.0.0/8, 127.0.0.2/31, ::1"));
        static TestServer behind;
        static String id;
        static int port;

        @BeforeAll
        static void deployApp() {
            id = behind.deploy(behind.token("forwarding"), "index.js", TestApps.source("hello.js"), Map.of()).getString("id");
            port = behind.base().getPort();
        }

        @Test
        void aTrustedProxysHeadersAreKeptAndExtendedWithThisHop() {
            Headers seen = get(id, "127.0.0.2", port, "HTTP/1.1", "localhost:" + port, "X-Forwarded-For: 203.0.113.7\r\n"
                    + "X-Forwarded-Proto: https\r\nX-Forwarded-Host: shop.example\r\nX-Forwarded-Prefix: /edge/\r\n"
                    + "Forwarded: for=203.0.113.7;proto=https;host=shop.example\r\n");

            assertThat(seen.all("X-Forwarded-For")).containsExactly("203.0.113.7, 127.0.0.2");
            assertThat(seen.all("X-Forwarded-Proto")).containsExactly("https");
            assertThat(seen.all("X-Forwarded-Host")).containsExactly("shop.example");
            assertThat(seen.all("X-Forwarded-Prefix")).containsExactly("/edge/containers/" + id);
            assertThat(seen.all("Forwarded")).containsExactly("for=203.0.113.7;proto=https;host=shop.example, "
                    + "for=127.0.0.2;proto=http;host=\"localhost:" + port + "\"");
        }

        @Test
        void aTrustedProxyThatSendsOnlyXForwardedHeadersIsToldInForwardedToo() {
            Headers seen = get(id, "127.0.0.2", port, "HTTP/1.1", "localhost:" + port,
                    "X-Forwarded-For: 203.0.113.7\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: shop.example\r\n");

            assertThat(seen.all("Forwarded")).containsExactly("for=203.0.113.7;proto=https;host=shop.example, "
                    + "for=127.0.0.2;proto=http;host=\"localhost:" + port + "\"");
        }

        @Test
        void aTrustedIpv6ProxyIsAppendedInBrackets() {
            Headers seen = get(id, "::1", port, "HTTP/1.1", "[::1]:" + port,
                    "X-Forwarded-For: 2001:db8::7\r\nForwarded: for=\"[2001:db8::7]\";proto=https\r\n");

            assertThat(seen.all("X-Forwarded-For")).containsExactly("2001:db8::7, ::1");
            assertThat(seen.all("Forwarded")).containsExactly("for=\"[2001:db8::7]\";proto=https, for=\"[::1]\";proto=http;host=\"[::1]:"
                    + port + "\"");
        }

        @Test
        void aPeerOutsideTheTrustedRangesIsNotBelieved() {
            Headers seen = get(id, "127.0.0.1", port, "HTTP/1.1", "localhost:" + port, SPOOFED);

            assertThat(seen.all("X-Forwarded-For")).containsExactly("127.0.0.1");
            assertThat(seen.all("X-Forwarded-Proto")).containsExactly("http");
            assertThat(seen.all("X-Forwarded-Host")).containsExactly("localhost:" + port);
            assertThat(seen.all("X-Forwarded-Prefix")).containsExactly("/containers/" + id);
            assertThat(seen.all("Forwarded")).containsExactly("for=127.0.0.1;proto=http;host=\"localhost:" + port + "\"");
        }

        @Test
        void aTrustedProxyThatSendsNothingIsDescribedAsAnyClientIs() {
            Headers seen = get(id, "127.0.0.3", port, "HTTP/1.0", "localhost:" + port, "");

            assertThat(seen.all("X-Forwarded-For")).containsExactly("127.0.0.3");
            assertThat(seen.all("X-Forwarded-Proto")).containsExactly("http");
            assertThat(seen.all("Forwarded")).containsExactly("for=127.0.0.3;proto=http;host=\"localhost:" + port + "\"");
        }

        @Test
        void malformedValuesFromATrustedProxyPassWithoutHarm() {
            Headers seen = get(id, "127.0.0.2", port, "HTTP/1.1", "localhost:" + port,
                    "Forwarded: for=;;\"unterminated\r\nX-Forwarded-For: not an address, , ;;\r\nX-Forwarded-Proto: https, http\r\n");

            assertThat(seen.all("Forwarded")).containsExactly("for=;;\"unterminated, for=127.0.0.2;proto=http;host=\"localhost:" + port + "\"");
            assertThat(seen.all("X-Forwarded-For")).containsExactly("not an address, , ;;, 127.0.0.2");
            assertThat(seen.all("X-Forwarded-Proto")).containsExactly("https, http");
        }

        @Test
        void behindATrustedTlsTerminatingProxyAppsSeeHttpsAndTheRealClient() {
            try (TlsTerminatingProxy front = TlsTerminatingProxy.start(behind.base(), "127.0.0.3")) {
                Headers seen = curl(front.base() + "/containers/" + id + "/", "-k");
                String host = "localhost:" + front.base().getPort();

                assertThat(seen.all("X-Forwarded-Proto")).containsExactly("https");
                assertThat(seen.all("X-Forwarded-For")).containsExactly("127.0.0.1, 127.0.0.3");
                assertThat(seen.all("X-Forwarded-Host")).containsExactly(host);
                assertThat(seen.all("Forwarded")).containsExactly("for=127.0.0.1;proto=https;host=\"" + host + "\", "
                        + "for=127.0.0.3;proto=http;host=\"" + host + "\"");
            }
        }
    }

    /** Every header the app received, repeats included, by name in any case. */
    record Headers(JsonArray raw) {
        List<String> all(String name) {
            List<String> values = new ArrayList<>();
            for (int i = 0; i + 1 < raw.size(); i += 2) {
                if (raw.getString(i).equalsIgnoreCase(name)) values.add(raw.getString(i + 1));
            }
            return values;
        }
    }

    /**
     * A GET of {@code /containers/{id}/whoami} written by hand, from {@code from} (an address of this machine, IPv4 or
     * IPv6) to {@code port} on the same family's loopback; {@code id} null for the default server's app.
     */
    private static Headers get(String id, String from, int port, String version, String host, String headers) {
        String to = from.contains(":") ? "::1" : "127.0.0.1";
        try (Socket socket = new Socket()) {
            socket.bind(new InetSocketAddress(from, 0));
            socket.connect(new InetSocketAddress(to, port), 5000);
            socket.setSoTimeout(10_000);
            String request = "GET /containers/" + (id == null ? app : id) + "/whoami " + version + "\r\nHost: " + host + "\r\n" + headers
                    + "Connection: close\r\n\r\n";
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(answer).startsWith(version + " 200 ");
            return new Headers(new JsonObject(answer.substring(answer.indexOf("\r\n\r\n") + 4)).getJsonArray("rawHeaders"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Headers curl(String url, String... options) {
        List<String> command = new ArrayList<>(List.of("curl", "-sS", "--ipv4", "--max-time", "20"));
        command.addAll(List.of(options));
        command.add(url);
        try {
            Process curl = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(curl.waitFor()).as(output).isZero();
            return new Headers(new JsonObject(output).getJsonArray("rawHeaders"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
