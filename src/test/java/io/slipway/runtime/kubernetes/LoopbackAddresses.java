package io.slipway.runtime.kubernetes;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@link TestKubelet}'s pod and Service addresses: each a distinct address on the host's loopback (all of 127/8 is
 * loopback on Linux), drawn at random from 127.64.0.1–127.254.255.254 so that kubelets of other test runs on the machine
 * hardly ever draw the same, and checked free on the ports it is to serve. Thread-safe.
 */
final class LoopbackAddresses {
    private final SecureRandom random = new SecureRandom();
    private final Set<InetAddress> taken = ConcurrentHashMap.newKeySet();

    /** An address of its own on which each of {@code ports} can be bound now. */
    InetAddress next(Iterable<Integer> ports) {
        for (int attempt = 0; attempt < 100; attempt++) {
            InetAddress address = random();
            if (!taken.add(address)) continue;
            if (free(address, ports)) return address;
            taken.remove(address);
        }
        throw new IllegalStateException("no free address on the loopback after 100 draws");
    }

    void release(InetAddress address) {
        taken.remove(address);
    }

    private InetAddress random() {
        byte[] octets = {127, (byte) (64 + random.nextInt(191)), (byte) random.nextInt(256), (byte) (1 + random.nextInt(254))};
        try {
            return InetAddress.getByAddress(octets);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean free(InetAddress address, Iterable<Integer> ports) {
        for (int port : ports) {
            try (ServerSocket probe = new ServerSocket()) {
                probe.bind(new InetSocketAddress(address, port));
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }
}
