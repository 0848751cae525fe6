package io.slipway.runtime.docker;

import io.slipway.artifacts.Tar;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * A root file system assembled from files of the host, each at the path it has on the host, with every symbolic link
 * on the way kept as a link and its target added too: {@code /lib64/ld-linux-x86-64.so.2} brings the {@code /lib64}
 * link, the loader's own link and the file it ends at, so a program finds its files where it looks on the host. Files
 * of Slipway's own ({@code /etc/passwd}) and empty directories can be added as well. Entries are written in path order,
 * so a directory comes before what it holds. Not thread-safe.
 */
final class HostFiles {
    /** The layout of the image's tar; raised when it changes, so that images imported before are not reused (2: files keep their mtime). */
    static final int FORMAT = 2;
    private sealed interface Entry permits HostEntry, Content, EmptyDirectory {
    }

    private record HostEntry(Path source) implements Entry {
    }

    private record Content(byte[] bytes, int mode) implements Entry {
    }

    private record EmptyDirectory(int mode) implements Entry {
    }

    private final Map<String, Entry> entries = new TreeMap<>();

    /** Adds the host file at {@code path}, or the directory and everything under it that {@code keep} accepts. */
    HostFiles add(Path path, Predicate<Path> keep) {
        try {
            addResolved(path.toAbsolutePath().normalize(), keep, 0);
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path + " of the host", e);
        }
    }

    HostFiles add(Path path) {
        return add(path, p -> true);
    }

    /**
     * Adds the host file or tree at {@code source} under another {@code name} (absolute, as in the image), as it is,
     * without what {@code keep} refuses (nor what is under that): symbolic links in it are kept as links, their targets
     * not followed nor added. For an image laid out unlike this
     * host (an interpreter under {@code /usr/local}).
     */
    HostFiles addAt(String name, Path source, Predicate<Path> keep) {
        try (Stream<Path> tree = Files.walk(source)) {
            java.util.List<Path> left = new java.util.ArrayList<>();
            for (Path p : (Iterable<Path>) tree.sorted()::iterator) {
                // Sorted, a directory comes before what it holds: what is under one left out is left out too.
                if (left.stream().anyMatch(p::startsWith)) continue;
                if (!p.equals(source) && !keep.test(p)) {
                    left.add(p);
                    continue;
                }
                String relativePath = source.relativize(p).toString();
                entries.put(relative(relativePath.isEmpty() ? name : name + "/" + relativePath), new HostEntry(p));
            }
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + source + " of the host", e);
        }
    }

    /** Adds a file of Slipway's own at {@code name} (absolute, as in the image). */
    HostFiles content(String name, String text, int mode) {
        entries.put(relative(name), new Content(text.getBytes(StandardCharsets.UTF_8), mode));
        return this;
    }

    /** Adds an empty directory at {@code name} (absolute, as in the image), unless the host's is there already. */
    HostFiles directory(String name, int mode) {
        entries.putIfAbsent(relative(name), new EmptyDirectory(mode));
        return this;
    }

    private void addResolved(Path path, Predicate<Path> keep, int depth) throws IOException {
        if (depth > 40) throw new IOException("too many levels of symbolic links at " + path);
        Path current = path.getRoot();
        int count = path.getNameCount();
        for (int i = 0; i < count; i++) {
            current = current.resolve(path.getName(i));
            if (Files.isSymbolicLink(current)) {
                entries.putIfAbsent(relative(current.toString()), new HostEntry(current));
                Path target = current.getParent().resolve(Files.readSymbolicLink(current)).normalize();
                addResolved(i + 1 < count ? target.resolve(path.subpath(i + 1, count)) : target, keep, depth + 1);
                return;
            }
            if (!Files.exists(current, LinkOption.NOFOLLOW_LINKS)) throw new IOException(current + " does not exist");
            // The directories on the way, alone: their modes, not their content.
            if (i + 1 < count) entries.putIfAbsent(relative(current.toString()), new HostEntry(current));
        }
        entries.put(relative(current.toString()), new HostEntry(current));
        if (Files.isDirectory(current, LinkOption.NOFOLLOW_LINKS)) addTree(current, keep, depth);
    }

    private void addTree(Path directory, Predicate<Path> keep, int depth) throws IOException {
        try (Stream<Path> children = Files.list(directory)) {
            for (Path child : (Iterable<Path>) children.sorted()::iterator) {
                if (!keep.test(child)) continue;
                if (Files.isSymbolicLink(child)) {
                    addResolved(child, keep, depth + 1);
                } else {
                    entries.put(relative(child.toString()), new HostEntry(child));
                    if (Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS)) addTree(child, keep, depth);
                }
            }
        }
    }

    /**
     * A digest of what {@link #writeTar} would write: every name and kind, links' targets, files' size and modification
     * time (an upgraded host program changes both, and reading 100 MB to hash it would cost a start its time), and the
     * content of Slipway's own files. {@code sha256:} and 64 hex digits.
     */
    String digest() {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            // How the tar is written, too: an image written before files kept their mtimes is not this one.
            sha.update(("slipway base image, format " + FORMAT + "\n").getBytes(StandardCharsets.UTF_8));
            for (var e : entries.entrySet()) {
                sha.update((e.getKey() + "\0").getBytes(StandardCharsets.UTF_8));
                String what = switch (e.getValue()) {
                    case HostEntry h when Files.isSymbolicLink(h.source()) -> "link " + Files.readSymbolicLink(h.source());
                    case HostEntry h when Files.isDirectory(h.source(), LinkOption.NOFOLLOW_LINKS) -> "dir";
                    case HostEntry h -> "file " + Files.size(h.source()) + " " + Files.getLastModifiedTime(h.source()).toMillis();
                    case Content c -> "content " + c.mode() + " " + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(c.bytes()));
                    case EmptyDirectory d -> "empty " + d.mode();
                };
                sha.update((what + "\n").getBytes(StandardCharsets.UTF_8));
            }
            return "sha256:" + HexFormat.of().formatHex(sha.digest());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the host's files for an image", e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes every entry as a tar, paths relative to the image's root, and the end of the archive. */
    void writeTar(OutputStream out) {
        Tar tar = Tar.to(out);
        try {
            for (var e : entries.entrySet()) {
                switch (e.getValue()) {
                    case HostEntry h -> tar.copy(e.getKey(), h.source());
                    case Content c -> tar.file(e.getKey(), c.bytes(), c.mode());
                    case EmptyDirectory d -> tar.directory(e.getKey(), d.mode());
                }
            }
            tar.finish();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the host's files as an image", e);
        }
    }

    int size() {
        return entries.size();
    }

    private static String relative(String absolute) {
        if (!absolute.startsWith("/") || absolute.equals("/")) throw new IllegalArgumentException("not an absolute file path: " + absolute);
        return absolute.substring(1);
    }
}
