package io.slipway.artifacts;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Writes uncompressed POSIX tars: a directory tree ({@link #write(Path, OutputStream)}), or entries one by one
 * ({@link #to(OutputStream)}) for an archive assembled from files in several places. Directories, regular files and
 * symbolic links (venvs and {@code node_modules/.bin} hold both), every entry owned by root with its permission bits
 * kept and readable by all. Names that do not fit ustar's fields get a PAX header ({@code path}, {@code linkpath}),
 * which every engine reads, and so does a size beyond ustar's 11 octal digits ({@code size}, from 8 GiB). Not thread-safe; {@link #finish()} writes the end of the archive, and nothing closes the
 * stream, which stays the caller's.
 */
public final class Tar {
    private static final int BLOCK = 512;
    /** The largest size ustar's field holds: 11 octal digits. */
    private static final long USTAR_MAX_SIZE = 077777777777L;

    private final OutputStream out;

    private Tar(OutputStream out) {
        this.out = out;
    }

    /** A tar written entry by entry to {@code out}, in the order the calls come. */
    public static Tar to(OutputStream out) {
        return new Tar(out);
    }

    /** Writes {@code root}'s content, paths relative to it, in a stable order, and the end-of-archive blocks. */
    public static void write(Path root, OutputStream out) {
        if (!Files.isDirectory(root)) throw new IllegalArgumentException("not a directory: " + root);
        Tar tar = new Tar(out);
        try (Stream<Path> walk = Files.walk(root)) {
            List<Path> entries = walk.filter(p -> !p.equals(root)).sorted().toList();
            for (Path entry : entries) tar.copy(root.relativize(entry).toString(), entry);
            tar.finish();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write a tar of " + root, e);
        }
    }

    /**
     * Adds {@code source} as {@code name}: a symbolic link as a link (to the same target), a directory as a directory
     * alone (not its content), a regular file with its content and its modification time. Sockets, fifos and devices
     * have no place in a layer and are left out.
     *
     * <p>Files keep their mtime because Python checks each cached {@code .pyc} against its source's: with the time 0, every
     * one of the standard library's was stale in an image, and a read-only root made Python compile them again at every
     * start (some 300–450 ms).
     */
    public Tar copy(String name, Path source) throws IOException {
        if (Files.isSymbolicLink(source)) {
            symlink(name, Files.readSymbolicLink(source).toString());
        } else if (Files.isDirectory(source, LinkOption.NOFOLLOW_LINKS)) {
            header(name + "/", '5', mode(source) | 0555, 0, "", 0);
        } else if (Files.isRegularFile(source, LinkOption.NOFOLLOW_LINKS)) {
            long size = Files.size(source);
            long mtime = Files.getLastModifiedTime(source, LinkOption.NOFOLLOW_LINKS).toInstant().getEpochSecond();
            header(name, '0', mode(source) | 0444, size, "", Math.max(0, mtime));
            long copied = Files.copy(source, out);
            if (copied != size) throw new IOException(source + " changed while it was written to a tar");
            pad(size);
        }
        return this;
    }

    /** Adds an empty directory {@code name} with {@code mode} (and read and search for all). */
    public Tar directory(String name, int mode) throws IOException {
        header(name + "/", '5', mode | 0555, 0, "");
        return this;
    }

    /** Adds a regular file {@code name} holding {@code content}, with {@code mode} (and read for all). */
    public Tar file(String name, byte[] content, int mode) throws IOException {
        header(name, '0', mode | 0444, content.length, "");
        out.write(content);
        pad(content.length);
        return this;
    }

    /** Adds a symbolic link {@code name} to {@code target}, as it is (relative or absolute). */
    public Tar symlink(String name, String target) throws IOException {
        header(name, '2', 0777, 0, target);
        return this;
    }

    /** Writes the end-of-archive blocks and flushes; the stream stays open. */
    public void finish() throws IOException {
        out.write(new byte[2 * BLOCK]);
        out.flush();
    }

    private static int mode(Path path) throws IOException {
        Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS);
        int mode = 0;
        for (PosixFilePermission p : permissions) mode |= 1 << (8 - p.ordinal());
        return mode;
    }

    /** One entry's header (with its PAX header first, when a field does not fit ustar's); its content is the caller's. */
    void header(String name, char type, int mode, long size, String link) throws IOException {
        header(name, type, mode, size, link, 0);
    }

    private void header(String name, char type, int mode, long size, String link, long mtime) throws IOException {
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        byte[] linkBytes = link.getBytes(StandardCharsets.UTF_8);
        boolean tooBig = size > USTAR_MAX_SIZE;
        if (nameBytes.length > 100 || linkBytes.length > 100 || tooBig) {
            StringBuilder pax = new StringBuilder();
            if (nameBytes.length > 100) pax.append(record("path", name));
            if (linkBytes.length > 100) pax.append(record("linkpath", link));
            if (tooBig) pax.append(record("size", Long.toString(size)));
            byte[] body = pax.toString().getBytes(StandardCharsets.UTF_8);
            out.write(block("././@PaxHeader", 'x', 0644, body.length, "", 0));
            out.write(body);
            pad(body.length);
        }
        // Cut to fit, the size field would make a reader take the content for headers: 0 there, the PAX record's counts.
        out.write(block(name, type, mode, tooBig ? 0 : size, link, mtime));
    }

    /** A PAX record, {@code "<length> <key>=<value>\n"}, whose length counts its own digits. */
    private static String record(String key, String value) {
        int rest = 3 + key.getBytes(StandardCharsets.UTF_8).length + value.getBytes(StandardCharsets.UTF_8).length;
        int length = rest + Integer.toString(rest).length();
        if (Integer.toString(length).length() != Integer.toString(rest).length()) length++;
        return length + " " + key + "=" + value + "\n";
    }

    private static byte[] block(String name, char type, int mode, long size, String link, long mtime) {
        byte[] h = new byte[BLOCK];
        put(h, 0, 100, name);
        put(h, 100, 8, octal(mode, 7));
        put(h, 108, 8, octal(0, 7));
        put(h, 116, 8, octal(0, 7));
        put(h, 124, 12, octal(size, 11));
        put(h, 136, 12, octal(mtime, 11));
        java.util.Arrays.fill(h, 148, 156, (byte) ' ');
        h[156] = (byte) type;
        put(h, 157, 100, link);
        put(h, 257, 6, "ustar");
        put(h, 263, 2, "00");
        put(h, 265, 32, "root");
        put(h, 297, 32, "root");
        long sum = 0;
        for (byte b : h) sum += b & 0xff;
        put(h, 148, 8, octal(sum, 6) + "\0 ");
        return h;
    }

    private static String octal(long value, int digits) {
        String s = Long.toOctalString(value);
        return "0".repeat(Math.max(0, digits - s.length())) + s;
    }

    /** Copies as much of {@code value} as fits: long names are carried whole by the PAX header before. */
    private static void put(byte[] h, int offset, int length, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(bytes, 0, h, offset, Math.min(length, bytes.length));
    }

    private void pad(long size) throws IOException {
        int rest = (int) (size % BLOCK);
        if (rest != 0) out.write(new byte[BLOCK - rest]);
    }
}
