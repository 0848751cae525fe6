package io.slipway.http;

import io.slipway.config.SlipwayConfig.ProxySettings;
import io.vertx.core.transport.Transport;
import java.util.Locale;

/**
 * Which of Netty's transports Slipway's sockets use ({@code proxy.transport}). With {@code auto}: io_uring where the
 * kernel allows it (Linux 5.10 or later, not turned off by {@code kernel.io_uring_disabled} or a seccomp profile, as in
 * many containers), then epoll, then Java's NIO. On two cores io_uring serves 15 % more requests a second through the
 * proxy than epoll: it hands the kernel a batch of reads and writes per wake-up rather than a call each
 * (BENCHMARKS.md). A transport named outright must be there: Slipway does not start on another behind its operator's back.
 */
public final class NetworkTransports {
    private NetworkTransports() {
    }

    /** The transport {@code wanted} names, or with {@code auto} the best one here; fails, saying why, if it is unavailable. */
    public static Transport choose(ProxySettings.Transport wanted) {
        return switch (wanted) {
            case AUTO -> available(Transport.IO_URING) ? Transport.IO_URING : available(Transport.EPOLL) ? Transport.EPOLL : Transport.NIO;
            case IO_URING -> require(Transport.IO_URING, "io_uring");
            case EPOLL -> require(Transport.EPOLL, "epoll");
            case NIO -> Transport.NIO;
        };
    }

    /** Why {@code auto} did not take io_uring, for the start-up log; empty when it did, or another was named. */
    public static String fallbackReason(ProxySettings.Transport wanted, Transport chosen) {
        if (wanted != ProxySettings.Transport.AUTO || chosen == Transport.IO_URING) return "";
        String why = "io_uring unavailable (" + cause(Transport.IO_URING) + ")";
        return chosen == Transport.EPOLL ? why : why + ", epoll unavailable (" + cause(Transport.EPOLL) + ")";
    }

    /** The transport's name as {@code proxy.transport} spells it. */
    public static String name(Transport transport) {
        return transport.name().toLowerCase(Locale.ROOT);
    }

    /** Null when Netty's classes for it are not on the class path at all. */
    private static boolean available(Transport transport) {
        return transport != null && transport.available();
    }

    private static Transport require(Transport transport, String name) {
        if (available(transport)) return transport;
        throw new IllegalStateException("proxy.transport is " + name + ", which is unavailable here: " + cause(transport)
                + "; set proxy.transport to auto to use the best one available");
    }

    private static String cause(Transport transport) {
        if (transport == null) return "its classes are not on the class path";
        Throwable cause = transport.unavailabilityCause();
        return cause == null ? "no reason given" : String.valueOf(cause.getMessage() != null ? cause.getMessage() : cause);
    }
}
