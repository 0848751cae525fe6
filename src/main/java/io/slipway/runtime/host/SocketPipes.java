package io.slipway.runtime.host;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/** The copying half of a tunnel between two sockets (TCP or unix), as the registry proxy and its bridges carry them. */
public final class SocketPipes {
    private SocketPipes() {
    }

    /**
     * Copies until {@code from} ends, then half-closes {@code to} so that the other direction can finish. Blocks; an
     * error on either side ends the copy, as the tunnel is over then.
     */
    public static void pipe(SocketChannel from, SocketChannel to) {
        ByteBuffer buffer = ByteBuffer.allocate(32 * 1024);
        try {
            while (from.read(buffer) >= 0) {
                buffer.flip();
                while (buffer.hasRemaining()) to.write(buffer);
                buffer.clear();
            }
            to.shutdownOutput();
        } catch (IOException e) {
            // either side went away: the tunnel is over
        }
    }
}
