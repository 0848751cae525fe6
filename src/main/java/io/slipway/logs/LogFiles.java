package io.slipway.logs;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An app's log is one file that the app's output (through {@link #pump}) and Slipway both append to
 * ({@code O_APPEND}, so lines never tear); Slipway's own lines start with {@code [slipway]}. When it would outgrow its
 * cap, the log becomes {@code <id>.log.1} (replacing the older one) and a new one starts: an app flooding its output
 * holds at most twice the cap on disk. These are the only ways Slipway writes and reads it.
 */
public final class LogFiles {
    public static final int DEFAULT_TAIL_BYTES = 4096;
    private static final Logger LOG = LoggerFactory.getLogger(LogFiles.class);

    private LogFiles() {
    }

    public static void append(Path log, String line) {
        try {
            Files.createDirectories(log.getParent());
            Files.writeString(log, Instant.now() + " " + line + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write log " + log, e);
        }
    }

    /** The log before the current one, kept after a rotation. */
    public static Path previous(Path log) {
        return log.resolveSibling(log.getFileName() + ".1");
    }

    /**
     * Copies an app's output into its log until the output ends (every process of the app has exited), rotating the
     * log before a write (of at most 64 KiB) would take it past {@code maxBytes}. Output that cannot be written (a full
     * disk) is dropped, never left in the pipe, where it would block the app. One small platform thread per running
     * app: a virtual thread would hold a carrier thread in every blocking read of the pipe.
     */
    public static Thread pump(InputStream output, Path log, long maxBytes, String appId) {
        return Thread.ofPlatform().name("log-" + appId).daemon().stackSize(256 * 1024).start(() -> {
            byte[] buffer = new byte[64 * 1024];
            FileChannel file = null;
            boolean warned = false;
            try (output) {
                int n;
                while ((n = output.read(buffer)) >= 0) {
                    try {
                        long size = file == null ? 0 : file.size();
                        if (size > 0 && size + n > maxBytes) {
                            file.close();
                            file = null;
                            if (!rotate(log)) continue; // deleted with its app, whose last words go nowhere
                        }
                        if (file == null) file = openForAppending(log);
                        ByteBuffer bytes = ByteBuffer.wrap(buffer, 0, n);
                        while (bytes.hasRemaining()) file.write(bytes);
                    } catch (IOException e) {
                        if (!warned) LOG.warn("app {}: its output cannot be written to its log and is dropped: {}", appId,
                                e.toString());
                        warned = true;
                        closeQuietly(file);
                        file = null;
                    }
                }
            } catch (IOException e) {
                LOG.debug("app {}: its output ended with {}", appId, e.toString());
            } finally {
                closeQuietly(file);
            }
        });
    }

    private static FileChannel openForAppending(Path log) throws IOException {
        return FileChannel.open(log, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
    }

    private static void closeQuietly(FileChannel file) {
        if (file == null) return;
        try {
            file.close();
        } catch (IOException ignored) {
            // nothing was left to write
        }
    }

    /**
     * The log becomes the previous one and an empty log takes its place, with no moment at which either is missing
     * (a reader following the log would take that for a deleted app). False when the log is gone.
     */
    private static boolean rotate(Path log) throws IOException {
        Path previous = previous(log);
        Path link = log.resolveSibling(log.getFileName() + ".old");
        Path fresh = log.resolveSibling(log.getFileName() + ".new");
        try {
            Files.deleteIfExists(link);
            Files.createLink(link, log);
        } catch (java.nio.file.NoSuchFileException e) {
            return false;
        }
        // Renames, not deletes: the previous log and the log are each replaced in one step, never missing.
        Files.move(link, previous, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        Files.deleteIfExists(fresh);
        Files.createFile(fresh);
        Files.move(fresh, log, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return true;
    }

    /** The last {@link #DEFAULT_TAIL_BYTES} of the log, starting at a line boundary; empty when there is none. */
    public static String tail(Path log) {
        return tail(log, DEFAULT_TAIL_BYTES);
    }

    /** The last {@code maxBytes} of the log, reaching into the previous one when the current log is shorter. */
    public static String tail(Path log, int maxBytes) {
        byte[] current = last(log, maxBytes);
        byte[] earlier = current.length < maxBytes ? last(previous(log), maxBytes - current.length) : new byte[0];
        byte[] bytes = new byte[earlier.length + current.length];
        System.arraycopy(earlier, 0, bytes, 0, earlier.length);
        System.arraycopy(current, 0, bytes, earlier.length, current.length);
        String text = new String(bytes, StandardCharsets.UTF_8);
        int newline = text.indexOf('\n');
        boolean cut = bytes.length == maxBytes;
        return cut && newline >= 0 ? text.substring(newline + 1) : text;
    }

    private static byte[] last(Path file, int maxBytes) {
        if (maxBytes <= 0 || !Files.exists(file)) return new byte[0];
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long length = f.length();
            long start = Math.max(0, length - maxBytes);
            byte[] bytes = new byte[(int) (length - start)];
            f.seek(start);
            f.readFully(bytes);
            return bytes;
        } catch (java.nio.file.NoSuchFileException | java.io.FileNotFoundException e) {
            return new byte[0];
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read log " + file, e);
        }
    }
}
