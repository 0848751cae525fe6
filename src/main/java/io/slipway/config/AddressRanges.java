package io.slipway.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * A set of IP address ranges, IPv4 and IPv6, written in configuration as comma-separated addresses and CIDR blocks:
 * {@code 10.0.0.0/8, 192.0.2.7, fd00::/8, ::1}. An address alone is a range of one. Parsed once, at start; matching an
 * address is a few comparisons of longs, with no allocation.
 *
 * @param ranges in the order written
 */
public record AddressRanges(List<Range> ranges) {
    /** How to write them, for error messages. */
    public static final String SYNTAX = "comma-separated IP addresses and CIDR ranges, e.g. 10.0.0.0/8, 192.0.2.7, fd00::/8, ::1";
    public static final AddressRanges NONE = new AddressRanges(List.of());

    public AddressRanges {
        ranges = List.copyOf(ranges);
    }

    /**
     * One CIDR block: the first {@code bits} bits of {@code high} and {@code low} (an IPv6 address as two longs, an IPv4
     * one in the low 32 bits of {@code low}).
     */
    public record Range(boolean ipv6, long high, long low, int bits) {
        public Range {
            if (bits < 0 || bits > (ipv6 ? 128 : 32)) throw new IllegalArgumentException("a prefix length of " + bits);
            if ((high & ~highMask(ipv6, bits)) != 0 || (low & ~lowMask(ipv6, bits)) != 0) {
                throw new IllegalArgumentException("bits are set past the prefix length");
            }
        }

        boolean contains(boolean v6, long addressHigh, long addressLow) {
            return v6 == ipv6 && (addressHigh & highMask(ipv6, bits)) == high && (addressLow & lowMask(ipv6, bits)) == low;
        }

        @Override
        public String toString() {
            byte[] bytes = new byte[ipv6 ? 16 : 4];
            for (int i = 0; i < bytes.length; i++) {
                long word = ipv6 && i < 8 ? high : low;
                bytes[i] = (byte) (word >>> 8 * ((ipv6 ? 7 : 3) - i % 8));
            }
            return text(bytes) + "/" + bits;
        }
    }

    /**
     * @throws IllegalArgumentException naming the entry that is not an IPv4 or IPv6 address (a host name included: no
     *                                  name is ever looked up) or CIDR block
     */
    public static AddressRanges parse(String text) {
        List<Range> ranges = new ArrayList<>();
        for (String entry : text.split(",")) {
            String trimmed = entry.strip();
            if (!trimmed.isEmpty()) ranges.add(range(trimmed));
        }
        return new AddressRanges(ranges);
    }

    private static Range range(String entry) {
        int slash = entry.indexOf('/');
        String address = slash < 0 ? entry : entry.substring(0, slash).strip();
        byte[] bytes = parseAddress(address);
        if (bytes == null) throw new IllegalArgumentException("'" + entry + "' is not an IP address or CIDR range");
        boolean ipv6 = bytes.length == 16;
        int max = ipv6 ? 128 : 32;
        int bits = max;
        if (slash >= 0) {
            String length = entry.substring(slash + 1).strip();
            if (!length.matches("\\d{1,3}") || Integer.parseInt(length) > max) {
                throw new IllegalArgumentException("'" + entry + "' has a prefix length that is not 0 to " + max);
            }
            bits = Integer.parseInt(length);
        }
        long high = ipv6 ? longAt(bytes, 0) : 0;
        long low = ipv6 ? longAt(bytes, 8) : longAt(bytes, 0);
        if ((high & ~highMask(ipv6, bits)) != 0 || (low & ~lowMask(ipv6, bits)) != 0) {
            Range network = new Range(ipv6, high & highMask(ipv6, bits), low & lowMask(ipv6, bits), bits);
            throw new IllegalArgumentException("'" + entry + "' has bits set past its prefix length (did you mean " + network + "?)");
        }
        return new Range(ipv6, high, low, bits);
    }

    public boolean isEmpty() {
        return ranges.isEmpty();
    }

    /** Whether {@code address} (4 or 16 bytes; an IPv4-mapped IPv6 address counts as its IPv4 address) is in a range. */
    public boolean contains(byte[] address) {
        boolean v6 = address.length == 16 && !isIpv4Mapped(address);
        long high = v6 ? longAt(address, 0) : 0;
        long low = v6 ? longAt(address, 8) : address.length == 16 ? longAt(address, 12) : longAt(address, 0);
        for (Range range : ranges) {
            if (range.contains(v6, high, low)) return true;
        }
        return false;
    }

    /**
     * The bytes of an IP address written as a literal: 4 for dotted IPv4 (four decimal numbers up to 255, none with a
     * leading zero, which some parsers read as octal), 16 for IPv6 (no zone); null for anything else. Never a lookup.
     */
    public static byte[] parseAddress(String literal) {
        if (literal.indexOf(':') < 0) return parseIpv4(literal);
        // The JDK takes a text for a literal, and never looks it up, only when it begins with a hex digit or a colon.
        if (Character.digit(literal.charAt(0), 16) < 0 && literal.charAt(0) != ':') return null;
        for (int i = 0; i < literal.length(); i++) {
            char c = literal.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == ':' || c == '.')) return null;
        }
        try {
            // A literal with a colon is parsed as IPv6 and never looked up; an IPv4-mapped one comes back as its IPv4
            // address, which is what it means.
            return InetAddress.getByName(literal).getAddress();
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private static byte[] parseIpv4(String literal) {
        byte[] bytes = new byte[4];
        int part = 0;
        int value = -1;
        int digits = 0;
        for (int i = 0; i <= literal.length(); i++) {
            char c = i < literal.length() ? literal.charAt(i) : '.';
            if (c == '.') {
                if (digits == 0 || part == 4 || digits > 1 && literal.charAt(i - digits) == '0') return null;
                bytes[part++] = (byte) value;
                value = -1;
                digits = 0;
            } else if (c >= '0' && c <= '9') {
                value = (value < 0 ? 0 : value * 10) + (c - '0');
                if (++digits > 3 || value > 255) return null;
            } else {
                return null;
            }
        }
        return part == 4 ? bytes : null;
    }

    /**
     * An address as text: IPv4 dotted; IPv6 as RFC 5952 has it (lower case, no leading zeros, the longest run of zero
     * groups as {@code ::}), which is not how {@link InetAddress#getHostAddress()} writes it.
     */
    public static String text(byte[] address) {
        if (address.length == 4) {
            return (address[0] & 0xff) + "." + (address[1] & 0xff) + "." + (address[2] & 0xff) + "." + (address[3] & 0xff);
        }
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) groups[i] = (address[2 * i] & 0xff) << 8 | address[2 * i + 1] & 0xff;
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            int j = i;
            while (j < 8 && groups[j] == 0) j++;
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = Math.max(j, i + 1);
        }
        StringBuilder text = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                text.append("::");
                i += bestLength - 1;
            } else {
                if (!text.isEmpty() && text.charAt(text.length() - 1) != ':') text.append(':');
                text.append(Integer.toHexString(groups[i]));
            }
        }
        return text.toString();
    }

    static boolean isIpv4Mapped(byte[] address) {
        for (int i = 0; i < 10; i++) {
            if (address[i] != 0) return false;
        }
        return address[10] == (byte) 0xff && address[11] == (byte) 0xff;
    }

    private static long longAt(byte[] bytes, int offset) {
        long value = 0;
        int end = Math.min(bytes.length, offset + 8);
        for (int i = offset; i < end; i++) value = value << 8 | (bytes[i] & 0xff);
        return value;
    }

    private static long highMask(boolean ipv6, int bits) {
        if (!ipv6) return 0;
        return bits >= 64 ? -1L : bits == 0 ? 0 : -1L << (64 - bits);
    }

    private static long lowMask(boolean ipv6, int bits) {
        if (!ipv6) return bits == 0 ? 0 : 0xFFFFFFFFL << (32 - bits) & 0xFFFFFFFFL;
        return bits <= 64 ? 0 : bits == 128 ? -1L : -1L << (128 - bits);
    }

    /** As written in configuration, normalised: {@code 10.0.0.0/8, ::1/128}. */
    @Override
    public String toString() {
        return ranges.isEmpty() ? "<none>" : String.join(", ", ranges.stream().map(Range::toString).toList());
    }
}
