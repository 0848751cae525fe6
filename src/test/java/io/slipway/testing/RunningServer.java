package io.slipway.testing;

import io.slipway.config.SlipwayConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;

/**
 * The {@link TestServer} of one test class and the data dir made for it, as {@link SlipwayServerExtension} keeps them.
 * {@link #close()} stops the server (if it started), releases the data dir's machine-wide uid claims and removes the
 * data dir; it is safe to call once the data dir exists, whatever happened to the start. Not thread-safe: JUnit starts
 * and closes it on one thread.
 */
final class RunningServer implements AutoCloseable {
    private final Class<?> testClass;
    private final Path dataDir;
    private TestServer server;

    private RunningServer(Class<?> testClass, Path dataDir) {
        this.testClass = testClass;
        this.dataDir = dataDir;
    }

    /** A new, empty data dir under the system temp dir, named after the class; nothing started yet. */
    static RunningServer createDataDir(Class<?> testClass) {
        try {
            return new RunningServer(testClass, Files.createTempDirectory("slipway-" + testClass.getSimpleName() + "-"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make a data dir for " + testClass.getName(), e);
        }
    }

    /**
     * Starts the server with the configuration {@code config} makes for the data dir; blocks until it listens. Throws
     * if it does not start, naming the class and the data dir; {@link #close()} then still cleans up what it left.
     */
    void start(Function<Path, SlipwayConfig> config) {
        SlipwayConfig made = config.apply(dataDir);
        if (!made.dataDir().toAbsolutePath().normalize().equals(dataDir.toAbsolutePath().normalize())) {
            throw new ExtensionConfigurationException("the configuration for " + testClass.getName() + " has the data dir "
                    + made.dataDir() + ", not the one it was given (" + dataDir + "), which alone is removed after the class");
        }
        try {
            server = TestServer.start(made);
        } catch (Exception e) { // Vert.x's await() rethrows checked exceptions unchecked: a failed bind is an IOException
            throw new IllegalStateException("Slipway did not start for " + testClass.getName() + " (data dir " + dataDir + "): "
                    + e.getMessage(), e);
        }
    }

    TestServer server() {
        return server;
    }

    Path dataDir() {
        return dataDir;
    }

    @Override
    public void close() throws IOException {
        try {
            // TestServer.close() releases the uid claims too; a start that failed half-way may have taken some.
            if (server != null) server.close();
            else TestServer.releaseUidClaims(dataDir);
        } catch (RuntimeException | Error stopping) {
            try {
                deleteTree(dataDir);
            } catch (IOException | RuntimeException e) {
                stopping.addSuppressed(e);
            }
            throw stopping;
        }
        deleteTree(dataDir);
    }

    /** Removes {@code root} and everything under it, without following links; fails listing what it could not remove. */
    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) return;
        List<IOException> failures = new ArrayList<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                delete(file, failures);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                if (!(e instanceof NoSuchFileException)) failures.add(e);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) {
                if (e != null && !(e instanceof NoSuchFileException)) failures.add(e);
                delete(dir, failures);
                return FileVisitResult.CONTINUE;
            }
        });
        if (!failures.isEmpty()) {
            IOException failed = new IOException("cannot remove all of the data dir " + root + ": " + failures.size()
                    + " paths are left, the first " + failures.getFirst());
            failures.forEach(failed::addSuppressed);
            throw failed;
        }
    }

    /** Deletes one path; a directory closed to its owner (as builds leave some) is opened first, as JUnit's @TempDir does. */
    private static void delete(Path path, List<IOException> failures) {
        try {
            Files.deleteIfExists(path);
        } catch (AccessDeniedException denied) {
            try {
                Set<PosixFilePermission> open = EnumSet.copyOf(Files.getPosixFilePermissions(path.getParent()));
                open.addAll(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE));
                Files.setPosixFilePermissions(path.getParent(), open);
                Files.deleteIfExists(path);
            } catch (IOException e) {
                e.addSuppressed(denied);
                failures.add(e);
            }
        } catch (IOException e) {
            failures.add(e);
        }
    }
}
