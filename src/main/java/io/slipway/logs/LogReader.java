package io.slipway.logs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;

/**
 * Reads an app's log in whole lines from a {@link LogPosition} on, across rotation: a position in the log that has
 * since become {@code <id>.log.1} reads the rest of that file, then the log from its start. A position in neither file
 * (rotated away twice, or never a line boundary of this log) reads from the oldest line kept, and says that lines were
 * skipped, and how many bytes when it can tell: every rotation starts the new log with a line naming the file before
 * and its size ({@link #rotationLine}), so a position at the end of the file that {@code .log.1} names lost nothing,
 * and one before its end lost the rest of it. Each call opens the files anew and holds nothing: a reader that falls
 * behind costs Slipway nothing, and nothing keeps a rotated file on disk. Blocking file I/O: call it on a virtual thread.
 */
public final class LogReader {
    /** Lines are at most {@code LogPump.MAX_LINE} bytes of text after a prefix of less than 64. */
    private static final int LONGEST_LINE = LogPump.MAX_LINE + 64;
    private static final int HEAD_BYTES = 64;
    /** The first line of a log that a rotation began: it names the file before (inode-head) and that file's size. */
    private static final Pattern ROTATION = Pattern.compile(
            "\\S+ \\[slipway] log rotated: earlier lines are in \\S+ \\((\\d{1,18})-([0-9a-f]{1,8}), (\\d{1,18}) bytes\\)");

    private LogReader() {
    }

    /**
     * What one read found.
     *
     * @param lines   whole lines of the log, each ended by LF (at most the bytes asked for; a longer line is cut)
     * @param start   where {@code lines} begin
     * @param next    where the next read starts: just after {@code lines}
     * @param behind  bytes the file read holds beyond {@code next} (0 when it was read to its end)
     * @param skipped the lines between the position asked for and {@code start} are no longer kept
     * @param lost    how many bytes were skipped, when known; else -1
     * @param gone    the log does not exist (its app was deleted, or it has not been written yet)
     */
    public record Chunk(byte[] lines, LogPosition start, LogPosition next, long behind, boolean skipped, long lost, boolean gone) {
    }

    /** The text of the line a rotation starts the new log with: it names {@code previous} (inode and head) and its size. */
    static byte[] rotationLine(Path previous) throws IOException {
        try (Opened file = Opened.of(previous)) {
            String named = file == null ? "0-0, 0" : file.inode + "-" + Long.toHexString(file.head) + ", " + file.size;
            return ("log rotated: earlier lines are in " + previous.getFileName() + " (" + named + " bytes)")
                    .getBytes(StandardCharsets.UTF_8);
        }
    }

    /** Where following the log's last {@code bytes} starts: the first line that begins in them, reaching into {@code .log.1}. */
    public static LogPosition tailStart(Path log, long bytes) {
        try (Opened current = Opened.of(log); Opened previous = Opened.of(LogFiles.previous(log))) {
            if (current == null) return LogPosition.OLDEST;
            if (current.size >= bytes || previous == null) return lineFrom(current, Math.max(0, current.size - bytes));
            return lineFrom(previous, Math.max(0, previous.size - (bytes - current.size)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read log " + log, e);
        }
    }

    /** Up to {@code maxBytes} of whole lines from {@code from} on. */
    public static Chunk read(Path log, LogPosition from, int maxBytes) {
        try (Opened current = Opened.of(log)) {
            if (current == null) return new Chunk(new byte[0], from, from, 0, false, -1, true);
            if (current.holds(from)) return current.lines(from.offset(), maxBytes, 0);
            try (Opened previous = Opened.of(LogFiles.previous(log))) {
                if (previous != null && previous.holds(from)) {
                    Chunk rest = previous.lines(from.offset(), maxBytes, 0);
                    if (rest.lines().length > 0) return rest;
                    // A rotated log never grows: read to its end (a torn last line included), the log follows. Until the
                    // log has a first line to be known by, the end of this file is where a reader stays.
                    return current.head == 0 ? rest : current.lines(0, maxBytes, 0);
                }
                Opened oldest = previous != null ? previous : current;
                return oldest.lines(0, maxBytes, from.equals(LogPosition.OLDEST) ? 0 : oldest.lostBefore(from));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read log " + log, e);
        }
    }

    private static LogPosition lineFrom(Opened file, long offset) throws IOException {
        if (offset == 0) return file.position(0);
        byte[] bytes = file.bytes(offset - 1, (int) Math.min(LONGEST_LINE, file.size - offset + 1));
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '\n') return file.position(offset + i);
        }
        return file.position(0); // no line starts within reach (not a log LogPump wrote): all of it, then
    }

    /** One file of the log as it was when opened: whatever renames follow, reads see this file. */
    private record Opened(FileChannel channel, long inode, long head, long size) implements AutoCloseable {
        /** Null when there is no such file. */
        static Opened of(Path file) throws IOException {
            // The inode before and after the open agree only if the file opened is the one that bears the name.
            for (int attempt = 0; ; attempt++) {
                Long before = inode(file);
                if (before == null) return null;
                FileChannel channel;
                try {
                    channel = FileChannel.open(file, StandardOpenOption.READ);
                } catch (NoSuchFileException e) {
                    return null;
                }
                if (before.equals(inode(file)) || attempt == 3) {
                    long size = channel.size();
                    return new Opened(channel, before, head(channel, size), size);
                }
                channel.close(); // rotated meanwhile: look again
            }
        }

        private static Long inode(Path file) throws IOException {
            try {
                return (Long) Files.getAttribute(file, "unix:ino");
            } catch (NoSuchFileException e) {
                return null;
            }
        }

        /** The CRC-32 of the first line's instant and source ({@code …Z [app]}); 0 while there is no such line. */
        private static long head(FileChannel channel, long size) throws IOException {
            byte[] bytes = read(channel, 0, (int) Math.min(HEAD_BYTES, size));
            int end = 0;
            while (end < bytes.length && bytes[end] != ']') end++;
            if (end == bytes.length && bytes.length < HEAD_BYTES) return 0;
            CRC32 crc = new CRC32();
            crc.update(bytes, 0, Math.min(bytes.length, end + 1));
            return crc.getValue();
        }

        /** True when {@code position} is a line boundary of this file. */
        boolean holds(LogPosition position) throws IOException {
            boolean same = position.inode() == inode && (position.head() == head || position.head() == 0 && position.offset() == 0);
            if (!same || position.offset() > size) return false;
            return position.offset() == 0 || bytes(position.offset() - 1, 1)[0] == '\n';
        }

        /**
         * Bytes lost between {@code from} (a position in no file kept) and this file's start: 0 when this file's first line
         * names {@code from}'s file and {@code from} is at its end, the rest of that file when before it, -1 when unknown
         * (the file it names is not {@code from}'s: more were rotated away).
         */
        long lostBefore(LogPosition from) throws IOException {
            byte[] bytes = bytes(0, (int) Math.min(512, size));
            int end = 0;
            while (end < bytes.length && bytes[end] != '\n') end++;
            Matcher named = ROTATION.matcher(new String(bytes, 0, end, StandardCharsets.UTF_8));
            if (!named.matches() || Long.parseLong(named.group(1)) != from.inode() || Long.parseLong(named.group(2), 16) != from.head()) {
                return -1;
            }
            long rest = Long.parseLong(named.group(3)) - from.offset();
            return rest >= 0 ? rest : -1;
        }

        /** @param lost bytes skipped before {@code offset}: 0 for none, -1 for an unknown number */
        Chunk lines(long offset, int maxBytes, long lost) throws IOException {
            byte[] bytes = bytes(offset, (int) Math.min(maxBytes, size - offset));
            int end = bytes.length;
            while (end > 0 && bytes[end - 1] != '\n') end--;
            if (end == 0 && bytes.length == maxBytes && maxBytes > 0) return longLine(offset, bytes, lost);
            byte[] whole = end == bytes.length ? bytes : Arrays.copyOf(bytes, end);
            return new Chunk(whole, position(offset), position(offset + end), size - offset - end, lost != 0, lost, false);
        }

        /**
         * A line longer than a chunk (none that LogPump writes, but a log may hold older lines): its first
         * {@code maxBytes}, so that positions stay line boundaries; nothing while its end has not been written.
         */
        private Chunk longLine(long offset, byte[] first, long lost) throws IOException {
            for (long at = offset + first.length; at < size; at += first.length) {
                byte[] more = bytes(at, (int) Math.min(first.length, size - at));
                for (int i = 0; i < more.length; i++) {
                    if (more[i] != '\n') continue;
                    byte[] cut = Arrays.copyOf(first, first.length + 1);
                    cut[first.length] = '\n';
                    long next = at + i + 1;
                    return new Chunk(cut, position(offset), position(next), size - next, lost != 0, lost, false);
                }
            }
            return new Chunk(new byte[0], position(offset), position(offset), size - offset, lost != 0, lost, false);
        }

        LogPosition position(long offset) {
            return new LogPosition(inode, head, offset);
        }

        byte[] bytes(long offset, int length) throws IOException {
            return read(channel, offset, length);
        }

        private static byte[] read(FileChannel channel, long offset, int length) throws IOException {
            ByteBuffer buffer = ByteBuffer.allocate(length);
            while (buffer.hasRemaining()) {
                if (channel.read(buffer, offset + buffer.position()) < 0) break;
            }
            return buffer.position() == length ? buffer.array() : Arrays.copyOf(buffer.array(), buffer.position());
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
