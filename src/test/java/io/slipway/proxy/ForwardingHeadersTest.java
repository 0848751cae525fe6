package io.slipway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** RFC 7239's syntax for the values Slipway writes into {@code Forwarded}. */
class ForwardingHeadersTest {
    @Test
    void ipv4AndTokensAreWrittenAsTheyAre() {
        assertThat(ForwardingHeaders.node("192.0.2.60")).isEqualTo("192.0.2.60");
        assertThat(ForwardingHeaders.node("unknown")).isEqualTo("unknown");
        assertThat(ForwardingHeaders.node("_hidden")).isEqualTo("_hidden");
    }

    @Test
    void ipv6IsBracketedAndQuoted() {
        assertThat(ForwardingHeaders.node("2001:db8:cafe::17")).isEqualTo("\"[2001:db8:cafe::17]\"");
        assertThat(ForwardingHeaders.node("0:0:0:0:0:0:0:1")).isEqualTo("\"[::1]\"");
        assertThat(ForwardingHeaders.node("[2001:db8:cafe::17]:4711")).isEqualTo("\"[2001:db8:cafe::17]:4711\"");
    }

    @Test
    void valuesWithAPortOrOtherCharactersAreQuotedAndEscaped() {
        assertThat(ForwardingHeaders.value("example.com")).isEqualTo("example.com");
        assertThat(ForwardingHeaders.value("localhost:3000")).isEqualTo("\"localhost:3000\"");
        assertThat(ForwardingHeaders.value("[::1]:3000")).isEqualTo("\"[::1]:3000\"");
        assertThat(ForwardingHeaders.value("a\"b\\c")).isEqualTo("\"a\\\"b\\\\c\"");
        assertThat(ForwardingHeaders.value("bell\u0007")).isEqualTo("\"bell?\"");
        assertThat(ForwardingHeaders.value("")).isEqualTo("\"\"");
        // A value already quoted by the peer is not quoted twice.
        assertThat(ForwardingHeaders.value("\"x y\"")).isEqualTo("\"x y\"");
    }

    @Test
    void thisHopsElementNamesThePeerTheProtocolAndTheHost() {
        assertThat(ForwardingHeaders.element("192.0.2.60", "http", "example.com:8080")).isEqualTo("for=192.0.2.60;proto=http;host=\"example.com:8080\"");
        assertThat(ForwardingHeaders.element("\"[::1]\"", "https", null)).isEqualTo("for=\"[::1]\";proto=https");
    }

    @Test
    void aTrustedPeersXForwardedHeadersAreToldInForwardedToo() {
        assertThat(ForwardingHeaders.fromXForwarded("203.0.113.7, 2001:db8::1", "https", "example.com"))
                .isEqualTo("for=203.0.113.7;proto=https;host=example.com, for=\"[2001:db8::1]\"");
        assertThat(ForwardingHeaders.fromXForwarded("", "https", "example.com:443")).isEqualTo("proto=https;host=\"example.com:443\"");
        assertThat(ForwardingHeaders.fromXForwarded("", null, null)).isEmpty();
        assertThat(ForwardingHeaders.fromXForwarded(" , garbage;=\"", null, null)).isEqualTo("for=\"garbage;=\\\"\"");
    }
}
