package io.slipway.logs;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * An app's log is one file of lines, each {@code <instant> [<source>] <text>}: Slipway's own lifecycle lines
 * ({@link #event}, source {@code slipway}), and its build's and the app's output ({@link LogPump}, sources
 * {@code build} and {@code app}). Every line is appended whole with one write ({@code O_APPEND}, so lines never tear
 * or interleave), and no source can write a line that passes for another's: output is framed line by line, CR counts
 * as a line end, and control characters become U+FFFD. When it would outgrow its cap, the log becomes
 * {@code <id>.log.1} (replacing the older one) and a new one starts, with a line that names the one before: a flood
 * holds at most twice the cap on disk.
 * These are the only ways Slipway writes and reads it.
 */
public final class LogFiles {
    public static final int DEFAULT_TAIL_BYTES = 4096;

    private LogFiles() {
    }

    /** Appends one line of Slipway's own ({@code [slipway]}); line ends and control characters in {@code text} are neutralised. */
    public static void event(Path log, String text) {
        try {
            Files.createDirectories(log.getParent());
            // One line whatever the text holds (an exception's message, say): its line ends are not line ends.
            byte[] oneLine = text.replace('\n', '\uFFFD').replace('\r', '\uFFFD').getBytes(StandardCharsets.UTF_8);
            Files.write(log, LogPump.frame(LogSource.SLIPWAY, Instant.now(), oneLine),
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
     * The log becomes the previous one and an empty log takes its place, with no moment at which either is missing
     * (a reader following the log would take that for a deleted app). False when the log is gone.
     */
    static boolean rotate(Path log) throws IOException {
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
        // The new log starts with a line that names the one before, so that a reader at that one's end can tell,
        // however many rotations later, whether it missed a file in between (LogReader). It is there before the new
        // log has its name: no other line can come first.
        Files.write(fresh, LogPump.frame(LogSource.SLIPWAY, Instant.now(), LogReader.rotationLine(previous)), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE);
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
