package io.slipway.testing;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.spi.InetAddressResolver;
import java.net.spi.InetAddressResolverProvider;
import java.util.stream.Stream;

/**
 * Names below {@code localhost} are the loopback (RFC 6761 §6.3), as curl, browsers and systemd's nss-myhostname
 * resolve them, so that test clients reach apps at their own hosts, {@code {id}.apps.localhost}: this machine's resolver
 * ({@code files dns}) knows only {@code localhost} itself. For the JVM's clients, this resolver (registered in
 * {@code META-INF/services}); every other name is left to the built-in one. For node's, {@link #NODE_PRELOAD}.
 */
public final class LocalhostSubdomains extends InetAddressResolverProvider {
    /**
     * A CommonJS module that makes node's {@code dns.lookup}, which {@code http} and {@code fetch} connect through, answer
     * the same: imported first by a client script.
     */
    public static final String NODE_PRELOAD = """
            // Names below localhost are the loopback (RFC 6761 §6.3); this machine's resolver knows only localhost itself.
            const dns = require("dns");
            const builtin = dns.lookup;
            dns.lookup = function (hostname, options, callback) {
              if (typeof options === "function") [options, callback] = [{}, options];
              if (typeof options === "number") options = { family: options };
              if (!/\\.localhost\\.?$/i.test(hostname)) return builtin.call(this, hostname, options, callback);
              if (options.all) process.nextTick(callback, null, [{ address: "127.0.0.1", family: 4 }]);
              else process.nextTick(callback, null, "127.0.0.1", 4);
            };
            """;

    @Override
    public InetAddressResolver get(Configuration configuration) {
        InetAddressResolver builtin = configuration.builtinResolver();
        return new InetAddressResolver() {
            @Override
            public Stream<InetAddress> lookupByName(String host, LookupPolicy policy) throws UnknownHostException {
                if (!isBelowLocalhost(host)) return builtin.lookupByName(host, policy);
                boolean v4 = (policy.characteristics() & LookupPolicy.IPV4) != 0;
                byte[] loopback = v4 ? new byte[] {127, 0, 0, 1} : new byte[16];
                if (!v4) loopback[15] = 1;
                return Stream.of(InetAddress.getByAddress(host, loopback));
            }

            @Override
            public String lookupByAddress(byte[] address) throws UnknownHostException {
                return builtin.lookupByAddress(address);
            }
        };
    }

    @Override
    public String name() {
        return "localhost-subdomains";
    }

    static boolean isBelowLocalhost(String host) {
        String name = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
        String suffix = ".localhost";
        return name.length() > suffix.length() && name.regionMatches(true, name.length() - suffix.length(), suffix, 0, suffix.length());
    }
}
