package io.slipway.api;

import io.slipway.runtime.SandboxRuntime;
import io.slipway.store.Database;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether Slipway can serve, as {@code /readyz} reports it: it is not shutting down, and each of its checks passes (the
 * store answers a query, the runtime's preflight finds nothing wrong).
 *
 * <p>A check runs on a virtual thread, never on an event loop, and at most once at a time; its answer is kept for a
 * moment, so a storm of probes costs one query and one preflight. A check that has not answered within the timeout
 * counts as failed for that probe, and is not started again until it has answered: {@link #failures()} never takes
 * longer than the timeout, and a hung database holds one thread, not one per probe. Changes are logged once, when a
 * check starts or stops failing.
 */
public final class Readiness {
    private static final Logger LOG = LoggerFactory.getLogger(Readiness.class);

    /** A failing check and what is wrong, in words for the operator. */
    public record Failure(String check, String detail) {
    }

    /**
     * A named check. {@code probe} blocks and returns the problems it found (none: it passes); if it throws, the check
     * fails with {@code what} "did not answer", and the exception goes to the log only: {@code /readyz} is public, and
     * an exception's message may name hosts or users. Its answer is kept for {@code keep}.
     */
    public record Check(String name, String what, Duration keep, Callable<List<String>> probe) {
    }

    private final InstantSource clock;
    private final Duration timeout;
    private final List<Cached> checks;
    private volatile boolean stopping;

    public Readiness(InstantSource clock, Duration timeout, List<Check> checks) {
        this.clock = clock;
        this.timeout = timeout;
        this.checks = checks.stream().map(Cached::new).toList();
    }

    /** The store answers a trivial query, and the runtime's preflight passes; each within 2 s. */
    public static Readiness of(Database database, SandboxRuntime runtime, InstantSource clock) {
        return new Readiness(clock, Duration.ofSeconds(2), List.of(
                new Check("store", "the database", Duration.ofSeconds(1), () -> {
                    database.ping();
                    return List.of();
                }),
                new Check("runtime", "the " + runtime.name() + " runtime's preflight", Duration.ofSeconds(2),
                        () -> runtime.check().problems())));
    }

    /** From now on, not ready: called at the very start of shutdown, before requests are drained. */
    public void stopping() {
        stopping = true;
    }

    /** The checks that fail, none when Slipway is ready. Completes within the timeout, on a thread of its own. */
    public CompletableFuture<List<Failure>> failures() {
        if (stopping) return CompletableFuture.completedFuture(List.of(new Failure("shutdown", "Slipway is shutting down")));
        List<CompletableFuture<List<Failure>>> answers = checks.stream().map(Cached::failures).toList();
        return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).thenApply(done -> {
            List<Failure> failing = new ArrayList<>();
            answers.forEach(answer -> failing.addAll(answer.join()));
            return failing;
        });
    }

    /** One check with its last answer, and the run in progress if any. */
    private final class Cached {
        private final Check check;
        private CompletableFuture<List<String>> running;
        private List<String> last;
        private Instant answeredAt;
        /** What the log last said of this check: empty while it passes. */
        private List<String> logged = List.of();

        Cached(Check check) {
            this.check = check;
        }

        synchronized CompletableFuture<List<Failure>> failures() {
            CompletableFuture<List<String>> problems;
            if (last != null && clock.instant().isBefore(answeredAt.plus(check.keep()))) {
                problems = CompletableFuture.completedFuture(last);
            } else {
                if (running == null) running = start();
                problems = running.copy().completeOnTimeout(timedOut(), timeout.toMillis(), TimeUnit.MILLISECONDS);
            }
            return problems.thenApply(found -> found.stream().map(detail -> new Failure(check.name(), detail)).toList());
        }

        private List<String> timedOut() {
            return List.of(check.what() + " did not answer within " + io.slipway.config.Durations.format(timeout));
        }

        private CompletableFuture<List<String>> start() {
            CompletableFuture<List<String>> run = new CompletableFuture<>();
            run.copy().completeOnTimeout(null, timeout.toMillis(), TimeUnit.MILLISECONDS).thenAccept(found -> {
                if (found == null) log(timedOut(), null);
            });
            Thread.ofVirtual().name("readiness-" + check.name()).start(() -> {
                List<String> found;
                Exception failure = null;
                try {
                    found = List.copyOf(check.probe().call());
                } catch (Exception e) {
                    failure = e;
                    found = List.of(check.what() + " did not answer; the server log says why");
                }
                answered(found, failure);
                run.complete(found);
            });
            return run;
        }

        private synchronized void answered(List<String> found, Exception failure) {
            log(found, failure);
            last = found;
            answeredAt = clock.instant();
            running = null;
        }

        private synchronized void log(List<String> found, Exception failure) {
            if (found.equals(logged)) return;
            if (found.isEmpty()) {
                LOG.info("readiness: the {} check passes again", check.name());
            } else if (failure != null) {
                LOG.warn("readiness: the {} check fails: {}", check.name(), String.valueOf(failure), failure);
            } else {
                LOG.warn("readiness: the {} check fails: {}", check.name(), String.join("; ", found));
            }
            logged = found;
        }
    }
}
