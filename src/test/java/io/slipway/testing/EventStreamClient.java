package io.slipway.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A GET of an event stream on a plain socket, read by {@link EventStreamParser} as a browser's EventSource would.
 * It may wait before it reads anything ({@link #open} with {@code read = false}, then {@link #startReading}): a
 * client that falls behind, with a small receive buffer so that it does so at once. The answer's head is kept as
 * sent; a body that is not an event stream (a problem document) is kept as text.
 */
public final class EventStreamClient implements AutoCloseable {
    private final Socket socket;
    private final EventStreamParser parser = new EventStreamParser();
    private final ByteArrayOutputStream plainBody = new ByteArrayOutputStream();
    private volatile int status;
    private volatile List<String> headers = List.of();
    private volatile boolean ended;
    private volatile Thread reader;

    private EventStreamClient(Socket socket) {
        this.socket = socket;
    }

    /** Sends {@code GET path} with {@code headers} to {@code base}; reads the answer at once unless {@code read} is false. */
    public static EventStreamClient open(URI base, String path, Map<String, String> headers, boolean read) {
        try {
            Socket socket = new Socket();
            socket.setReceiveBufferSize(4096);
            socket.connect(new InetSocketAddress(base.getHost(), base.getPort()), 5000);
            StringBuilder request = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: " + base.getHost() + "\r\nAccept: text/event-stream\r\n");
            headers.forEach((name, value) -> request.append(name).append(": ").append(value).append("\r\n"));
            socket.getOutputStream().write(request.append("\r\n").toString().getBytes(StandardCharsets.UTF_8));
            socket.getOutputStream().flush();
            EventStreamClient client = new EventStreamClient(socket);
            if (read) client.startReading();
            return client;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts reading what the server sent and sends, on a virtual thread, until it ends the stream or {@link #close}. */
    public synchronized EventStreamClient startReading() {
        if (reader == null) reader = Thread.ofVirtual().name("event-stream-client").start(this::read);
        return this;
    }

    private void read() {
        try (InputStream in = new BufferedInputStream(socket.getInputStream())) {
            String statusLine = line(in);
            if (statusLine == null) return;
            List<String> head = new ArrayList<>();
            for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) head.add(h);
            headers = List.copyOf(head);
            status = Integer.parseInt(statusLine.split(" ")[1]);
            boolean events = String.valueOf(header("Content-Type")).startsWith("text/event-stream");
            if ("chunked".equalsIgnoreCase(String.valueOf(header("Transfer-Encoding")))) {
                for (String size = line(in); size != null; size = line(in)) {
                    int length = Integer.parseInt(size.split(";")[0].trim(), 16);
                    if (length == 0) break;
                    byte[] chunk = in.readNBytes(length);
                    body(events, chunk, chunk.length);
                    line(in);
                }
            } else {
                String length = header("Content-Length");
                byte[] rest = length == null ? in.readAllBytes() : in.readNBytes(Integer.parseInt(length));
                body(events, rest, rest.length);
            }
        } catch (IOException e) {
            // closed by the test, or reset by the server: what came before is the answer
        } finally {
            ended = true;
        }
    }

    private void body(boolean events, byte[] bytes, int length) {
        if (events) {
            parser.feed(bytes, 0, length);
        } else {
            synchronized (plainBody) {
                plainBody.write(bytes, 0, length);
            }
        }
    }

    /** One CRLF-ended line of the HTTP framing, without its end; null at the end of the stream. */
    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') return bytes.toString(StandardCharsets.ISO_8859_1).replaceAll("\r$", "");
            bytes.write(b);
        }
        return bytes.size() == 0 ? null : bytes.toString(StandardCharsets.ISO_8859_1);
    }

    /** The status, 0 until the head has arrived. */
    public int status() {
        return status;
    }

    /** The first value of header {@code name}, or null. */
    public String header(String name) {
        for (String h : headers) {
            int colon = h.indexOf(':');
            if (colon > 0 && h.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT))) {
                return h.substring(colon + 1).trim();
            }
        }
        return null;
    }

    public EventStreamParser parser() {
        return parser;
    }

    public List<EventStreamParser.Event> events() {
        return parser.events();
    }

    /** A body that was not an event stream, as text. */
    public String plainBody() {
        synchronized (plainBody) {
            return plainBody.toString(StandardCharsets.UTF_8);
        }
    }

    /** True once the server ended the answer or the connection. */
    public boolean ended() {
        return ended;
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
