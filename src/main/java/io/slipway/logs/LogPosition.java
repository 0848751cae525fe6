package io.slipway.logs;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A place between two lines of an app's log that stays meaningful when the log is rotated: the file, named by its
 * inode and a hash of the head of its first line, and the byte offset in it of the line that comes next. The inode
 * alone would not do: ext4 gives a new file the inode of one just deleted, and every rotation deletes one file and
 * creates another, so the log alternates between two inodes. The head is the first line's instant and source, which
 * no earlier file of the same log shares. Written {@code <inode>-<head>-<offset>} (decimal, hex, decimal), as the
 * {@code id} of a followed log's events.
 *
 * @param inode  the file's inode; 0 for {@link #OLDEST}
 * @param head   the CRC-32 of the head of the file's first line; 0 when the file had no line yet
 * @param offset bytes from the start of the file
 */
public record LogPosition(long inode, long head, long offset) {
    /** Before the oldest line the log still keeps: {@code <id>.log.1}'s first when there is one, else the log's. */
    public static final LogPosition OLDEST = new LogPosition(0, 0, 0);
    private static final Pattern FORMAT = Pattern.compile("(\\d{1,18})-([0-9a-f]{1,8})-(\\d{1,18})");

    public LogPosition {
        if (inode < 0 || offset < 0 || head < 0 || head > 0xFFFFFFFFL) {
            throw new IllegalArgumentException("not a log position: " + inode + "/" + head + "/" + offset);
        }
    }

    /** The position an event id names, or empty when {@code id} is not one. */
    public static Optional<LogPosition> parse(String id) {
        Matcher m = FORMAT.matcher(id == null ? "" : id.trim());
        if (!m.matches()) return Optional.empty();
        return Optional.of(new LogPosition(Long.parseLong(m.group(1)), Long.parseLong(m.group(2), 16), Long.parseLong(m.group(3))));
    }

    /** {@code <inode>-<head>-<offset>}, what {@link #parse} reads. */
    @Override
    public String toString() {
        return inode + "-" + Long.toHexString(head) + "-" + offset;
    }
}
