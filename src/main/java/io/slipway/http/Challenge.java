package io.slipway.http;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A {@code WWW-Authenticate} challenge (RFC 9110 §11.6.1), which every 401 carries. Slipway's are of the Bearer scheme
 * (RFC 6750 §3): {@code Bearer realm="slipway"} to a request without credentials, with {@code error="invalid_token"}
 * or {@code error="invalid_request"} and an {@code error_description} when credentials were sent but not accepted;
 * a private MCP server's adds {@code resource_metadata} (RFC 9728 §5.1).
 *
 * <p>Parameter values are quoted-strings restricted to what RFC 6750 allows in {@code error_description}: printable
 * ASCII without {@code "} and {@code \}. Anything else in a value (a quote in a reason, a line break, a non-ASCII
 * letter) is replaced, so no value can break the header or forge another parameter; a value left empty is dropped, and
 * a reason ({@code error_description}) is cut to a length that fits a header.
 */
public record Challenge(String scheme, Map<String, String> params) {
    public static final String REALM = "slipway";
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    /** Long enough for any reason Slipway gives; a header is no place for more. */
    private static final int MAX_REASON = 200;
    /** The one parameter that is prose, and is cut: the others (a realm, a code, a URL) are whole or wrong. */
    private static final String REASON = "error_description";

    public Challenge {
        if (!TOKEN.matcher(scheme).matches()) throw new IllegalArgumentException("not an auth-scheme: " + scheme);
        Map<String, String> copy = new LinkedHashMap<>();
        params.forEach((name, value) -> {
            if (!TOKEN.matcher(name).matches()) throw new IllegalArgumentException("not an auth-param name: " + name);
            String clean = value == null ? "" : clean(value, name.equals(REASON) ? MAX_REASON : Integer.MAX_VALUE);
            if (!clean.isEmpty()) copy.put(name, clean);
        });
        params = Collections.unmodifiableMap(copy);
    }

    /** {@code Bearer realm="slipway"}: for a request with no credentials, or with another scheme's (RFC 6750 §3). */
    public static Challenge bearer() {
        return new Challenge("Bearer", Map.of("realm", REALM));
    }

    /** The token was sent but is expired, revoked, malformed or otherwise not accepted; {@code why} says which. */
    public Challenge invalidToken(String why) {
        return error("invalid_token", why);
    }

    /** The credentials are malformed (a Bearer without a token, say). */
    public Challenge invalidRequest(String why) {
        return error("invalid_request", why);
    }

    private Challenge error(String code, String description) {
        return with("error", code).with(REASON, description);
    }

    /** This challenge with one more parameter (or {@code name} replaced). */
    public Challenge with(String name, String value) {
        Map<String, String> more = new LinkedHashMap<>(params);
        more.put(name, value);
        return new Challenge(scheme, more);
    }

    /** The header's value: {@code Bearer realm="slipway", error="invalid_token", error_description="…"}. */
    public String header() {
        if (params.isEmpty()) return scheme;
        return scheme + " " + params.entrySet().stream().map(p -> p.getKey() + "=\"" + p.getValue() + "\"").collect(Collectors.joining(", "));
    }

    /** RFC 6750 §3: {@code error_description} is 1*( %x20-21 / %x23-5B / %x5D-7E ); the other values fit it as well. */
    private static String clean(String value, int max) {
        StringBuilder clean = new StringBuilder(Math.min(value.length(), max));
        for (int i = 0; i < value.length() && clean.length() < max; i++) {
            char c = value.charAt(i);
            clean.append(switch (c) {
                case '"' -> '\'';
                case '\\' -> '/';
                default -> c >= 0x20 && c <= 0x7E ? c : '?';
            });
        }
        return clean.toString().strip();
    }
}
