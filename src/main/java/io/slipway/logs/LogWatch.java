package io.slipway.logs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells readers of the logs directory when a log changed, so that a follower waits for the next line instead of
 * reading the file again and again. The kernel says when (the JDK's watch service is inotify on Linux): one watch on the
 * directory for all logs, one small platform thread, and a {@link Subscription} per follower that is woken by any
 * change to its log (appended, rotated, created or deleted) — or to every log when the kernel's queue overflowed, so a
 * change is never missed, only sometimes reported when there was none. Thread-safe; {@link #close} ends it.
 */
public final class LogWatch implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LogWatch.class);

    private final Path dir;
    private final WatchService service;
    private final Map<String, Set<Subscription>> byName = new ConcurrentHashMap<>();
    private final Thread thread;

    private LogWatch(Path dir, WatchService service) {
        this.dir = dir;
        this.service = service;
        this.thread = Thread.ofPlatform().name("slipway-log-watch").daemon().stackSize(256 * 1024).start(this::run);
    }

    /** Watches {@code dir} (the data dir's {@code logs/}), creating it if needed. */
    public static LogWatch start(Path dir) {
        try {
            Files.createDirectories(dir);
            WatchService service = dir.getFileSystem().newWatchService();
            dir.register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                    StandardWatchEventKinds.ENTRY_DELETE);
            return new LogWatch(dir, service);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot watch the logs in " + dir, e);
        }
    }

    /** A follower's wake-up for {@code log} (a file in the watched directory); close it when the follower is done. */
    public Subscription subscribe(Path log) {
        if (!dir.equals(log.toAbsolutePath().getParent())) throw new IllegalArgumentException(log + " is not in " + dir);
        Subscription subscription = new Subscription(log.getFileName().toString());
        byName.computeIfAbsent(subscription.name, n -> ConcurrentHashMap.newKeySet()).add(subscription);
        return subscription;
    }

    /** One follower's view: a permit whenever its log may have changed since it last looked. */
    public final class Subscription implements AutoCloseable {
        private final String name;
        private final Semaphore changed = new Semaphore(0);

        private Subscription(String name) {
            this.name = name;
        }

        /**
         * Waits until the log may have changed since the last call, or {@code millis} passed, or {@link #wake()}; true
         * unless the time ran out. Several changes in between make one wake-up.
         */
        public boolean await(long millis) throws InterruptedException {
            boolean woken = changed.tryAcquire(millis, java.util.concurrent.TimeUnit.MILLISECONDS);
            changed.drainPermits();
            return woken;
        }

        /** Wakes the waiter now, for a reason of the caller's own (its client left). */
        public void wake() {
            changed.release();
        }

        @Override
        public void close() {
            byName.computeIfPresent(name, (n, set) -> {
                set.remove(this);
                return set.isEmpty() ? null : set;
            });
        }
    }

    private void run() {
        try {
            while (true) {
                WatchKey key = service.take();
                for (WatchEvent<?> event : key.pollEvents()) {
                    if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
                        byName.values().forEach(set -> set.forEach(Subscription::wake));
                    } else if (event.context() instanceof Path changed) {
                        wake(changed.getFileName().toString());
                    }
                }
                if (!key.reset()) {
                    LOG.warn("the logs directory {} is no longer watched (deleted?): followers fall back to their keep-alive interval", dir);
                    return;
                }
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closed
        }
    }

    /** {@code <id>.log} and the files its rotation moves through ({@code <id>.log.new}, {@code .old}, {@code .1}). */
    private void wake(String fileName) {
        int dot = fileName.indexOf(".log");
        String log = dot < 0 ? fileName : fileName.substring(0, dot + 4);
        Set<Subscription> subscribers = byName.get(log);
        if (subscribers != null) subscribers.forEach(Subscription::wake);
    }

    @Override
    public void close() {
        try {
            service.close();
        } catch (IOException e) {
            LOG.debug("closing the log watch: {}", e.toString());
        }
        thread.interrupt();
    }
}
