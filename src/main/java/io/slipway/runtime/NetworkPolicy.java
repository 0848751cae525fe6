package io.slipway.runtime;

/**
 * What a sandbox's network may reach. In every case the proxy reaches the app on the address its {@link Sandbox} gives,
 * and the app reaches neither Slipway's ports, nor another sandbox, nor any service of the host, over IPv4 or IPv6.
 */
public enum NetworkPolicy {
    /** Nothing beyond its own loopback. */
    ISOLATED,
    /** Also the public internet (private, link-local and host ranges stay closed), where the runtime offers egress. */
    INTERNET;

    public static NetworkPolicy of(boolean internet) {
        return internet ? INTERNET : ISOLATED;
    }
}
