package io.slipway.cli.client;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * What {@code deploy} shows on stderr while the server builds and starts the app: each line of the app's log as it comes
 * (without its timestamp) and, on a terminal, a status line below them with a spinner and the time so far, redrawn ten
 * times a second; elsewhere plain lines only. After {@link #finish()} nothing more is written, so that a log line read
 * late can never land after the endpoint. Thread-safe.
 */
public final class BuildProgress implements AutoCloseable {
    private static final String SPINNER = "|/-\\";
    private static final String CLEAR_LINE = "\r\033[K";

    private final PrintStream err;
    private final boolean terminal;
    private final String what;
    private final long started = System.nanoTime();
    private final ScheduledExecutorService ticker;
    private boolean finished;
    private int frame;
    /** The instant of the last line shown: lines come in log order, so one at or before it was shown already. */
    private Instant lastShown = Instant.MIN;

    /** @param what what is being done, e.g. {@code deploying index.ts} */
    public BuildProgress(PrintStream err, boolean terminal, String what) {
        this.err = err;
        this.terminal = terminal;
        this.what = what;
        if (terminal) {
            ticker = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("slipway-progress").factory());
            ticker.scheduleAtFixedRate(this::redraw, 0, 100, TimeUnit.MILLISECONDS);
        } else {
            ticker = null;
            err.println(what + " …");
        }
    }

    /**
     * One line of the app's log, shown unless it was written before {@code since} (a redeploy's earlier lines) or it is
     * not after the last line shown (the follow and the final read of the whole log may both deliver it).
     */
    public synchronized void line(String logLine, Instant since) {
        if (finished) return;
        int space = logLine.indexOf(' ');
        String shown = logLine;
        if (space > 0) {
            try {
                Instant at = Instant.parse(logLine.substring(0, space));
                if (since != null && at.isBefore(since) || !at.isAfter(lastShown)) return;
                lastShown = at;
                shown = logLine.substring(space + 1);
            } catch (DateTimeParseException e) {
                // Not a timestamped line (none such today): shown whole.
            }
        }
        err.print((terminal ? CLEAR_LINE : "") + "  " + shown + "\n");
        if (terminal) status();
        err.flush();
    }

    /** Stops the display and clears its status line; returns how long it ran. */
    public synchronized Duration finish() {
        if (!finished) {
            finished = true;
            if (ticker != null) ticker.shutdownNow();
            if (terminal) err.print(CLEAR_LINE);
            err.flush();
        }
        return Duration.ofNanos(System.nanoTime() - started);
    }

    @Override
    public void close() {
        finish();
    }

    private synchronized void redraw() {
        if (finished) return;
        frame++;
        err.print(CLEAR_LINE);
        status();
        err.flush();
    }

    private void status() {
        err.print(SPINNER.charAt(frame % SPINNER.length()) + " " + what + " (" + seconds(Duration.ofNanos(System.nanoTime() - started)) + ")");
    }

    /** {@code 4.2 s}: one decimal. */
    public static String seconds(Duration elapsed) {
        return String.format(java.util.Locale.ROOT, "%.1f s", elapsed.toMillis() / 1000.0);
    }
}
