package io.slipway.instances;

import java.net.SocketAddress;

/**
 * A request's hold on a running instance: while any lease is open the instance is not put to sleep. {@link
 * #release()} must be called exactly once when the exchange ends; further calls do nothing.
 */
public interface Lease {
    SocketAddress address();

    void release();
}
