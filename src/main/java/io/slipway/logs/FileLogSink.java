package io.slipway.logs;

import java.io.InputStream;
import java.nio.file.Path;

/** The default {@link LogSink}: an app's rotating log file ({@link LogFiles}), written by a {@link LogPump} per stream. */
public final class FileLogSink implements LogSink {
    private final Path file;
    private final long maxBytes;
    private final String name;

    /** @param name what the log is of, for threads' names and Slipway's own log (an app id) */
    public FileLogSink(Path file, long maxBytes, String name) {
        this.file = file;
        this.maxBytes = maxBytes;
        this.name = name;
    }

    @Override
    public Thread pump(InputStream output, LogSource source) {
        return LogPump.start(output, file, maxBytes, source, name);
    }

    @Override
    public String tail(int maxBytes) {
        return LogFiles.tail(file, maxBytes);
    }

    @Override
    public void event(String text) {
        LogFiles.event(file, text);
    }
}
