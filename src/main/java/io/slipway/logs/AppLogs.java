package io.slipway.logs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every app's log, in the default store: one rotating file per app under the data dir's {@code logs/} ({@link
 * LogFiles}), capped at {@code sandbox.logSize}. Build steps, the lifecycle and the app's sandbox all write an app's log
 * through the {@link LogSink} this gives; the API reads the files (and follows them through {@link LogWatch}).
 */
public final class AppLogs {
    private static final Logger LOG = LoggerFactory.getLogger(AppLogs.class);

    private final Path dir;
    private final long maxBytes;

    public AppLogs(Path dir, long maxBytes) {
        this.dir = dir;
        this.maxBytes = maxBytes;
    }

    /** The log of {@code name} (an app id, or {@code tools} for Slipway's own installs). */
    public LogSink of(String name) {
        return new FileLogSink(file(name), maxBytes, name);
    }

    /** Where the log of {@code name} is kept, for readers. */
    public Path file(String name) {
        return dir.resolve(name + ".log");
    }

    /** The names of every log kept ({@code <name>.log}, {@code <name>.log.1}, …: the name is what comes before the first dot). */
    public java.util.Set<String> names() {
        if (!Files.isDirectory(dir)) return java.util.Set.of();
        try (var files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).map(n -> n.contains(".") ? n.substring(0, n.indexOf('.')) : n)
                    .collect(java.util.stream.Collectors.toCollection(java.util.TreeSet::new));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot list the logs in " + dir, e);
        }
    }

    /** Removes the log and the one before its last rotation (an app was deleted, or its upload failed). */
    public void delete(String name) {
        for (Path file : new Path[] {file(name), LogFiles.previous(file(name))}) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                LOG.warn("cannot delete {}", file, e);
            }
        }
    }
}
