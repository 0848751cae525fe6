package io.slipway.runtime.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Who owns what on disk. Slipway runs as root and hands each sandbox's files to that sandbox's uid, with modes that
 * keep every other uid out; these are the only places it does so. Symbolic links are never followed.
 */
final class Ownership {
    private Ownership() {
    }

    /** Gives one file or directory to {@code uid} (and the group of the same number) with the given mode. */
    public static void give(Path path, int uid, String mode) {
        try {
            Files.setAttribute(path, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(path, "unix:gid", uid, LinkOption.NOFOLLOW_LINKS);
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(mode));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot give " + path + " to uid " + uid, e);
        }
    }

    /**
     * Gives a whole tree to {@code uid}: directories get {@code dirMode}, files {@code fileMode}, or the file mode
     * with every x bit of {@code dirMode} for files that were executable.
     */
    public static void giveTree(Path root, int uid, String dirMode, String fileMode) {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : (Iterable<Path>) paths::iterator) {
                if (Files.isSymbolicLink(p)) {
                    Files.setAttribute(p, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
                    continue;
                }
                String mode = Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? dirMode
                        : Files.isExecutable(p) ? executable(fileMode, dirMode) : fileMode;
                give(p, uid, mode);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot give " + root + " to uid " + uid, e);
        }
    }

    private static String executable(String fileMode, String dirMode) {
        char[] mode = fileMode.toCharArray();
        for (int i = 2; i < 9; i += 3) {
            if (dirMode.charAt(i) == 'x') mode[i] = 'x';
        }
        return new String(mode);
    }
}
