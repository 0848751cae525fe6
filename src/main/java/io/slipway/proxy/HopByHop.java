package io.slipway.proxy;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import java.util.Map;

/** The headers a proxy must not pass on, either way, and the copy of a header set without them. */
final class HopByHop {
    private HopByHop() {
    }

    /**
     * Headers that describe one connection, not the message (RFC 9110 §7.6.1): never passed on, either way. Host too,
     * which the forwarded request gets as its authority. Passed on in a response, a {@code connection} header would
     * break HTTP/2 clients, for which it is a protocol error.
     */
    private static final MultiMap HEADERS = HttpHeaders.headers().add(HttpHeaders.CONNECTION, "").add(HttpHeaders.KEEP_ALIVE, "")
            .add("Proxy-Connection", "").add(HttpHeaders.PROXY_AUTHENTICATE, "").add(HttpHeaders.PROXY_AUTHORIZATION, "")
            .add("TE", "").add("Trailer", "").add(HttpHeaders.TRANSFER_ENCODING, "").add(HttpHeaders.UPGRADE, "")
            .add(HttpHeaders.HOST, "");

    /** Adds {@code from}'s end-to-end headers to {@code to}: not the {@link #HEADERS} ones, nor those its Connection names. */
    static void copyEndToEnd(MultiMap from, MultiMap to) {
        String connection = from.get(HttpHeaders.CONNECTION);
        for (Map.Entry<String, String> header : from) {
            String name = header.getKey();
            if (!HEADERS.contains(name) && (connection == null || !names(connection, name))) to.add(name, header.getValue());
        }
    }

    /** Keeps only {@code headers}' end-to-end ones, as {@link #copyEndToEnd} does. */
    static void strip(MultiMap headers) {
        MultiMap endToEnd = HttpHeaders.headers();
        copyEndToEnd(headers, endToEnd);
        headers.clear().addAll(endToEnd);
    }

    /** Whether the Connection header value {@code connection} lists the header {@code name}. */
    private static boolean names(String connection, String name) {
        for (String listed : connection.split(",")) {
            if (listed.trim().equalsIgnoreCase(name)) return true;
        }
        return false;
    }
}
