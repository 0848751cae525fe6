package io.slipway.app;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * An app's log is one file that its process and Slipway both append to ({@code O_APPEND}, so lines never tear);
 * Slipway's own lines start with {@code [slipway]}. These are the only ways Slipway writes and reads it.
 */
public final class LogFiles {
    public static final int DEFAULT_TAIL_BYTES = 4096;

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

    /** The last {@link #DEFAULT_TAIL_BYTES} of the log, starting at a line boundary; empty when there is none. */
    public static String tail(Path log) {
        return tail(log, DEFAULT_TAIL_BYTES);
    }

    public static String tail(Path log, int maxBytes) {
        if (!Files.exists(log)) return "";
        try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
            long length = file.length();
            long start = Math.max(0, length - maxBytes);
            byte[] bytes = new byte[(int) (length - start)];
            file.seek(start);
            file.readFully(bytes);
            String text = new String(bytes, StandardCharsets.UTF_8);
            int newline = text.indexOf('\n');
            return start > 0 && newline >= 0 ? text.substring(newline + 1) : text;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read log " + log, e);
        }
    }
}
