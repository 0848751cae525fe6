package io.slipway.artifacts;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.Map;

/**
 * Unpacks an uncompressed tar from a hostile source (a build pod's upload) into a directory of Slipway's, and nowhere
 * else: regular files, directories and symbolic links only (a symlink may point anywhere, as a venv's do, but nothing is
 * ever written through one: every directory on an entry's way is checked to be a real one); names that are absolute or
 * pass through {@code ..} are refused; set-id bits are dropped; the whole stream is refused once it passes {@code
 * maxBytes}. Reads ustar headers and the PAX {@code path}, {@code linkpath} and {@code size} records (what {@link Tar}
 * and the pods' helpers write). Not thread-safe; blocks.
 */
public final class TarUnpacker {
    private static final int BLOCK = 512;

    /** The tar cannot be taken: what is wrong with it, and whether it is only too large. */
    public static final class RefusedException extends RuntimeException {
        private final boolean tooLarge;

        RefusedException(String reason, boolean tooLarge) {
            super(reason);
            this.tooLarge = tooLarge;
        }

        public boolean tooLarge() {
            return tooLarge;
        }
    }

    private final InputStream in;
    private final Path root;
    private final long maxBytes;
    private long read;

    private TarUnpacker(InputStream in, Path root, long maxBytes) {
        this.in = in;
        this.root = root;
        this.maxBytes = maxBytes;
    }

    /**
     * Unpacks {@code in} into {@code root}, an existing empty directory; returns the bytes read.
     *
     * @throws RefusedException when an entry or the size is refused (what was unpacked before stays: remove {@code root})
     * @throws IOException      when the stream breaks, or ends before its end-of-archive blocks
     */
    public static long unpack(InputStream in, Path root, long maxBytes) throws IOException {
        TarUnpacker unpacker = new TarUnpacker(in, root, maxBytes);
        unpacker.entries();
        return unpacker.read;
    }

    private void entries() throws IOException {
        Map<String, String> pax = new HashMap<>();
        byte[] header = new byte[BLOCK];
        while (true) {
            readFully(header, BLOCK);
            if (isZero(header)) return;
            char type = (char) (header[156] == 0 ? '0' : header[156]);
            String name = pax.getOrDefault("path", name(header));
            String link = pax.getOrDefault("linkpath", text(header, 157, 100));
            long size = pax.containsKey("size") ? parseSize(pax.get("size")) : octal(header, 124, 12);
            int mode = (int) octal(header, 100, 8) & 0777;
            long mtime = octal(header, 136, 12);
            pax.clear();
            switch (type) {
                case 'x' -> pax.putAll(paxRecords(body(size)));
                case 'g' -> skip(size);
                case '0', '7' -> file(target(name), size, mode | 0600, mtime);
                case '5' -> {
                    Path dir = target(name);
                    if (dir != null) directory(dir, mode | 0700);
                    skip(size);
                }
                case '2' -> {
                    Path target = target(name);
                    if (target == null) throw refused("a symbolic link cannot be the directory itself");
                    parents(target);
                    replace(target);
                    Files.createSymbolicLink(target, Path.of(link));
                    skip(size);
                }
                default -> throw refused("the entry " + name + " is of type '" + type + "': only files, directories and symbolic links are taken");
            }
        }
    }

    /** The entry's place below the root, or null for the root itself; refused when it would leave the root. */
    private Path target(String name) {
        if (name.isEmpty() || name.indexOf('\0') >= 0) throw refused("an entry has no name");
        String relative = name.startsWith("./") ? name.substring(2) : name;
        if (relative.startsWith("/")) throw refused("the entry " + name + " has an absolute path");
        Path target = root;
        for (String part : relative.split("/")) {
            if (part.isEmpty() || part.equals(".")) continue;
            if (part.equals("..")) throw refused("the entry " + name + " leaves the directory");
            target = target.resolve(part);
        }
        return target.equals(root) ? null : target;
    }

    /** Makes each missing directory on the way to {@code target}; refuses a way through anything but a real directory. */
    private void parents(Path target) throws IOException {
        Path at = root;
        for (Path part : root.relativize(target.getParent() == null ? root : target.getParent())) {
            if (part.toString().isEmpty()) continue;
            at = at.resolve(part);
            if (Files.isDirectory(at, LinkOption.NOFOLLOW_LINKS)) continue;
            if (Files.exists(at, LinkOption.NOFOLLOW_LINKS)) throw refused("the entry " + root.relativize(target) + " passes through "
                    + root.relativize(at) + ", which is not a directory");
            Files.createDirectory(at);
        }
    }

    private void directory(Path dir, int mode) throws IOException {
        parents(dir);
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            replace(dir);
            Files.createDirectory(dir);
        }
        Files.setAttribute(dir, "unix:mode", mode, LinkOption.NOFOLLOW_LINKS);
    }

    private void file(Path target, long size, int mode, long mtime) throws IOException {
        if (target == null) throw refused("a file cannot be the directory itself");
        parents(target);
        replace(target);
        try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
            copy(size, out);
        }
        Files.setAttribute(target, "unix:mode", mode, LinkOption.NOFOLLOW_LINKS);
        Files.setLastModifiedTime(target, FileTime.fromMillis(Math.max(0, mtime) * 1000));
    }

    /** A later entry of one name wins, as tar's own; a directory is never replaced by another kind. */
    private void replace(Path target) throws IOException {
        if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            throw refused("the directory " + root.relativize(target) + " is given again as another kind of entry");
        }
        Files.deleteIfExists(target);
    }

    private void copy(long size, OutputStream out) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        long left = size;
        while (left > 0) {
            int n = (int) Math.min(buffer.length, left);
            readFully(buffer, n);
            out.write(buffer, 0, n);
            left -= n;
        }
        skipPadding(size);
    }

    private byte[] body(long size) throws IOException {
        if (size > 1 << 20) throw refused("a PAX header of " + size + " bytes");
        byte[] body = new byte[(int) size];
        readFully(body, (int) size);
        skipPadding(size);
        return body;
    }

    private void skip(long size) throws IOException {
        copy(size, OutputStream.nullOutputStream());
    }

    private void skipPadding(long size) throws IOException {
        int rest = (int) (size % BLOCK);
        if (rest != 0) readFully(new byte[BLOCK - rest], BLOCK - rest);
    }

    private void readFully(byte[] buffer, int length) throws IOException {
        if (read + length > maxBytes) throw new RefusedException("the archive is larger than the most allowed, " + maxBytes + " bytes", true);
        int at = 0;
        while (at < length) {
            int n = in.read(buffer, at, length - at);
            if (n < 0) throw new IOException("the archive ended before its end-of-archive blocks");
            at += n;
        }
        read += length;
    }

    private static Map<String, String> paxRecords(byte[] body) {
        Map<String, String> records = new HashMap<>();
        int at = 0;
        while (at < body.length) {
            int space = at;
            while (space < body.length && body[space] != ' ') space++;
            int length;
            try {
                length = Integer.parseInt(new String(body, at, space - at, StandardCharsets.US_ASCII));
            } catch (NumberFormatException e) {
                throw refused("a PAX record has no length");
            }
            if (length <= space - at + 1 || at + length > body.length) throw refused("a PAX record's length is wrong");
            String record = new String(body, space + 1, at + length - space - 2, StandardCharsets.UTF_8);
            int equals = record.indexOf('=');
            if (equals > 0) records.put(record.substring(0, equals), record.substring(equals + 1));
            at += length;
        }
        return records;
    }

    private static String name(byte[] header) {
        String name = text(header, 0, 100);
        String prefix = "ustar".equals(text(header, 257, 5)) ? text(header, 345, 155) : "";
        return prefix.isEmpty() ? name : prefix + "/" + name;
    }

    private static String text(byte[] header, int offset, int length) {
        int end = offset;
        while (end < offset + length && header[end] != 0) end++;
        return new String(header, offset, end - offset, StandardCharsets.UTF_8);
    }

    private static long octal(byte[] header, int offset, int length) {
        String value = text(header, offset, length).trim();
        if (value.isEmpty()) return 0;
        try {
            return Long.parseLong(value, 8);
        } catch (NumberFormatException e) {
            throw refused("a header field is not an octal number: " + value);
        }
    }

    private static long parseSize(String value) {
        try {
            long size = Long.parseLong(value.trim());
            if (size < 0) throw refused("a negative size");
            return size;
        } catch (NumberFormatException e) {
            throw refused("a PAX size is not a number: " + value);
        }
    }

    private static boolean isZero(byte[] block) {
        for (byte b : block) if (b != 0) return false;
        return true;
    }

    private static RefusedException refused(String reason) {
        return new RefusedException(reason, false);
    }
}
