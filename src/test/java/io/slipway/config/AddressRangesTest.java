package io.slipway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AddressRangesTest {
    private static byte[] ip(String literal) {
        byte[] bytes = AddressRanges.parseAddress(literal);
        assertThat(bytes).as(literal).isNotNull();
        return bytes;
    }

    @Test
    void addressesAndBlocksOfBothFamiliesMatchWhatTheyCover() {
        AddressRanges ranges = AddressRanges.parse(" 10.0.0.0/8, 192.0.2.7 ,fd00::/8, ::1, 0.0.0.0/32");

        assertThat(ranges.contains(ip("10.1.2.3"))).isTrue();
        assertThat(ranges.contains(ip("11.0.0.1"))).isFalse();
        assertThat(ranges.contains(ip("192.0.2.7"))).isTrue();
        assertThat(ranges.contains(ip("192.0.2.8"))).isFalse();
        assertThat(ranges.contains(ip("fd12:3456::1"))).isTrue();
        assertThat(ranges.contains(ip("fe80::1"))).isFalse();
        assertThat(ranges.contains(ip("::1"))).isTrue();
        assertThat(ranges.contains(ip("::2"))).isFalse();
        assertThat(ranges.toString()).isEqualTo("10.0.0.0/8, 192.0.2.7/32, fd00::/8, ::1/128, 0.0.0.0/32");
    }

    @Test
    void anIpv4MappedIpv6AddressIsItsIpv4Address() {
        AddressRanges ranges = AddressRanges.parse("127.0.0.1");
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        mapped[12] = 127;
        mapped[15] = 1;

        assertThat(ranges.contains(mapped)).isTrue();
        assertThat(ranges.contains(ip("::ffff:127.0.0.1"))).isTrue();
        assertThat(AddressRanges.parse("::1").contains(ip("127.0.0.1"))).isFalse();
    }

    @Test
    void prefixLengthsAtTheEdgesWork() {
        assertThat(AddressRanges.parse("0.0.0.0/0").contains(ip("203.0.113.9"))).isTrue();
        assertThat(AddressRanges.parse("0.0.0.0/0").contains(ip("2001:db8::1"))).isFalse();
        assertThat(AddressRanges.parse("::/0").contains(ip("2001:db8::1"))).isTrue();
        assertThat(AddressRanges.parse("2001:db8::/64").contains(ip("2001:db8::ffff:1"))).isTrue();
        assertThat(AddressRanges.parse("2001:db8::/65").contains(ip("2001:db8:0:0:8000::1"))).isFalse();
        assertThat(AddressRanges.parse("2001:db8::2/127").contains(ip("2001:db8::3"))).isTrue();
        assertThat(AddressRanges.parse("2001:db8::2/127").contains(ip("2001:db8::1"))).isFalse();
    }

    @Test
    void ipv6IsWrittenAsRfc5952HasIt() {
        assertThat(AddressRanges.text(ip("0:0:0:0:0:0:0:1"))).isEqualTo("::1");
        assertThat(AddressRanges.text(ip("2001:DB8:0:0:1:0:0:1"))).isEqualTo("2001:db8::1:0:0:1");
        assertThat(AddressRanges.text(ip("2001:db8:0:1:1:1:1:1"))).isEqualTo("2001:db8:0:1:1:1:1:1");
        assertThat(AddressRanges.text(ip("::"))).isEqualTo("::");
        assertThat(AddressRanges.text(ip("fe80::"))).isEqualTo("fe80::");
        assertThat(AddressRanges.text(ip("1:0:0:2:0:0:0:3"))).isEqualTo("1:0:0:2::3");
    }

    @Test
    void blankIsNone() {
        assertThat(AddressRanges.parse("").isEmpty()).isTrue();
        assertThat(AddressRanges.parse(" , ").isEmpty()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"localhost", "example.com", "10.0.0.0/33", "::1/129", "10.0.0/8", "1.2.3.4.5", "256.0.0.1", "010.0.0.1",
            "10.0.0.0/", "10.0.0.0/-1", "fe80::1%eth0", ".:", "10.0.0.0/8/8", "1:2:3"})
    void anythingButAnAddressOrBlockIsRefusedWithoutALookup(String entry) {
        assertThatThrownBy(() -> AddressRanges.parse("192.0.2.1, " + entry)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + entry + "'");
    }

    @Test
    void aBlockWithHostBitsSaysWhichNetworkWasMeant() {
        assertThatThrownBy(() -> AddressRanges.parse("10.1.2.3/8")).hasMessageContaining("did you mean 10.0.0.0/8?");
    }

    @Test
    void anInvalidEntryIsAConfigurationErrorNamingTheKey() {
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("SLIPWAY_PROXY_TRUSTED_PROXIES", "10.0.0.0/8, proxy.internal"), Map.of()))
                .hasMessageStartingWith("invalid configuration: proxy.trustedProxies = '10.0.0.0/8, proxy.internal' "
                        + "(from SLIPWAY_PROXY_TRUSTED_PROXIES): 'proxy.internal' is not an IP address or CIDR range");
    }

    @Test
    void theSettingReachesTheProxySettingsAndDefaultsToNone() {
        assertThat(ConfigLoader.load(null, Map.of(), Map.of()).proxy().trustedProxies().isEmpty()).isTrue();
        var proxy = ConfigLoader.load(null, Map.of(), Map.of("proxy.trustedProxies", "127.0.0.1/32")).proxy();
        assertThat(proxy.trustedProxies().contains(ip("127.0.0.1"))).isTrue();
    }
}
