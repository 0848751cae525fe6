package io.slipway.instances;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * An app is ready when its port accepts a connection and answers an HTTP request with any status line: a 404 on
 * {@code /} is as ready as a 200. Blocking; run it on a virtual thread.
 */
final class HttpReadiness {
    private static final byte[] REQUEST = ("GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: slipway-readiness\r\n"
            + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);

    private HttpReadiness() {
    }

    static boolean answers(InetSocketAddress address, int timeoutMillis) {
        try (Socket socket = new Socket()) {
            socket.connect(address, timeoutMillis);
            socket.setSoTimeout(timeoutMillis);
            OutputStream out = socket.getOutputStream();
            out.write(REQUEST);
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] head = in.readNBytes(5);
            return new String(head, StandardCharsets.US_ASCII).equals("HTTP/");
        } catch (IOException e) {
            return false;
        }
    }
}
