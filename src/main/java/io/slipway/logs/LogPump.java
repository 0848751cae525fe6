package io.slipway.logs;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies a process's output (an app's, a build's) into its log as framed lines, {@code <instant> [<source>] <text>}:
 * whatever the process writes, it cannot forge a line of another source. LF, CR and CRLF end a line (so a bare CR
 * cannot start a fake line in a terminal or an event stream), empty lines are dropped, a line longer than
 * {@value #MAX_LINE} bytes is cut into several, and control characters other than TAB become U+FFFD. A line without
 * its end yet waits for it (or for the end of the output). The log is rotated before a write would take it past its
 * cap; framed output is written in pieces of at most {@value #FLUSH_AT} bytes, each whole lines.
 *
 * <p>Output that cannot be written (a full disk) is dropped, never left in the pipe, where it would block the process.
 * One small platform thread per pump: a virtual thread would hold a carrier thread in every blocking read of the pipe.
 */
public final class LogPump {
    static final int MAX_LINE = 16 * 1024;
    static final int FLUSH_AT = 64 * 1024;
    private static final Logger LOG = LoggerFactory.getLogger(LogPump.class);
    private static final byte[] REPLACEMENT = "\uFFFD".getBytes(StandardCharsets.UTF_8);

    private final Path log;
    private final long maxBytes;
    private final LogSource source;
    private final String name;
    // The line being read (waiting for its end), and whole framed lines waiting to be written. Plain arrays copied in
    // runs: the pump must keep up with an app that floods its output, or the app's runtime queues what the pipe will
    // not take (node does, in memory, until the app is killed for it).
    private final byte[] line = new byte[MAX_LINE];
    private int lineLength;
    private byte[] framed = new byte[FLUSH_AT + MAX_LINE + 256];
    private int framedLength;
    private boolean afterCr;
    private FileChannel file;
    private boolean warned;

    private LogPump(Path log, long maxBytes, LogSource source, String name) {
        this.log = log;
        this.maxBytes = maxBytes;
        this.source = source;
        this.name = name;
    }

    /**
     * Starts pumping {@code output} into {@code log} until it ends (every process holding it has exited); returns the
     * thread, which a caller may join to know that everything is written.
     *
     * @param name what the output is, for the thread's name and Slipway's own log (an app id, say)
     */
    public static Thread start(InputStream output, Path log, long maxBytes, LogSource source, String name) {
        LogPump pump = new LogPump(log, maxBytes, source, name);
        return Thread.ofPlatform().name("log-" + name).daemon().stackSize(256 * 1024).start(() -> pump.run(output));
    }

    /** One whole line of {@code source}, as it is written to a log: for Slipway's own lines, which are not pumped. */
    static byte[] frame(LogSource source, Instant at, byte[] text) {
        LogPump framer = new LogPump(null, 0, source, source.tag());
        byte[] prefix = prefix(source, at);
        for (int from = 0; from < text.length; from += FLUSH_AT) framer.accept(text, from, Math.min(text.length, from + FLUSH_AT), prefix);
        framer.endLine(prefix);
        return java.util.Arrays.copyOf(framer.framed, framer.framedLength);
    }

    private static byte[] prefix(LogSource source, Instant at) {
        return (at + " [" + source.tag() + "] ").getBytes(StandardCharsets.US_ASCII);
    }

    private void run(InputStream output) {
        byte[] buffer = new byte[FLUSH_AT];
        byte[] prefix = prefix(source, Instant.now());
        try (output) {
            int n;
            while ((n = output.read(buffer)) >= 0) {
                // Every line completed by one read gets the instant it arrived at.
                prefix = prefix(source, Instant.now());
                accept(buffer, 0, n, prefix);
                flush();
            }
        } catch (IOException e) {
            LOG.debug("{}: its output ended with {}", name, e.toString());
        } finally {
            endLine(prefix);
            flush();
            closeQuietly();
        }
    }

    /** Frames {@code bytes[from, to)}: ordinary bytes are copied in runs; line ends and control characters one by one. */
    private void accept(byte[] bytes, int from, int to, byte[] prefix) {
        int i = from;
        while (i < to) {
            int run = i;
            while (run < to && !special(bytes[run])) run++;
            if (run > i) {
                afterCr = false;
                append(bytes, i, run - i, prefix);
            }
            if (run == to) return;
            byte b = bytes[run];
            if (b == '\n' || b == '\r') {
                if (!(b == '\n' && afterCr)) endLine(prefix);
                afterCr = b == '\r';
            } else {
                afterCr = false;
                if (b == '\t') {
                    append(bytes, run, 1, prefix);
                } else {
                    append(REPLACEMENT, 0, REPLACEMENT.length, prefix);
                }
            }
            i = run + 1;
        }
    }

    private static boolean special(byte b) {
        return (b >= 0 && b < 0x20) || b == 0x7f;
    }

    /** Adds text to the current line, ending it (and starting the next) each time it reaches {@value #MAX_LINE} bytes. */
    private void append(byte[] bytes, int from, int length, byte[] prefix) {
        while (length > 0) {
            int n = Math.min(length, MAX_LINE - lineLength);
            System.arraycopy(bytes, from, line, lineLength, n);
            lineLength += n;
            from += n;
            length -= n;
            if (lineLength == MAX_LINE) endLine(prefix);
        }
    }

    private void endLine(byte[] prefix) {
        if (lineLength == 0) return;
        int needed = framedLength + prefix.length + lineLength + 1;
        if (needed > framed.length) framed = java.util.Arrays.copyOf(framed, Math.max(needed, framed.length * 2));
        System.arraycopy(prefix, 0, framed, framedLength, prefix.length);
        System.arraycopy(line, 0, framed, framedLength + prefix.length, lineLength);
        framedLength = needed;
        framed[needed - 1] = '\n';
        lineLength = 0;
        if (framedLength >= FLUSH_AT) flush();
    }

    /** Writes the framed lines, rotating first when they would take the log past its cap. */
    private void flush() {
        if (framedLength == 0 || log == null) return;
        try {
            long size = file == null ? 0 : file.size();
            if (size > 0 && size + framedLength > maxBytes) {
                closeQuietly();
                if (!LogFiles.rotate(log)) return; // deleted with its app, whose last words go nowhere
            }
            if (file == null) file = FileChannel.open(log, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
            ByteBuffer bytes = ByteBuffer.wrap(framed, 0, framedLength);
            while (bytes.hasRemaining()) file.write(bytes);
        } catch (IOException e) {
            if (!warned) LOG.warn("{}: its output cannot be written to its log and is dropped: {}", name, e.toString());
            warned = true;
            closeQuietly();
        } finally {
            framedLength = 0;
        }
    }

    private void closeQuietly() {
        if (file == null) return;
        try {
            file.close();
        } catch (IOException ignored) {
            // nothing was left to write
        }
        file = null;
    }
}
