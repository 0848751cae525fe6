package io.slipway.logs;

import java.io.InputStream;

/**
 * Where a sandbox's output goes: one app's log, a stream of lines each with its source and instant. The runtime hands
 * over the raw output of what it runs; the sink frames it (so that an app cannot forge another source's line) and
 * keeps it. Thread-safe.
 */
public interface LogSink {
    /**
     * Copies {@code output} into the log as lines of {@code source} until it ends, on a thread of the sink's own, and
     * closes it then. Returns at once; the thread, which a caller may join to know that all of it is written.
     */
    Thread pump(InputStream output, LogSource source);

    /** The end of the log as text, at most {@code maxBytes} (whole lines): for the reason of a failure. */
    String tail(int maxBytes);

    /** One line of Slipway's own about this sandbox ({@code [slipway]}): what the runtime did, or saw happen. */
    void event(String text);
}
