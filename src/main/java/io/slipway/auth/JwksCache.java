package io.slipway.auth;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import io.slipway.config.Durations;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An identity provider's public keys (a JWK set), held in memory. Fetched at start and again every {@code ttl} in
 * the background (every {@code minRefreshInterval} while fetches fail); a token naming a key not held asks for a
 * {@link #refetch()}, granted at most once per {@code minRefreshInterval} so that tokens with made-up key ids cannot
 * make Slipway hammer the provider. Concurrent requests share one fetch. A provider that cannot be reached is logged
 * and retried; the keys fetched before stay in use. Thread-safe; never blocks.
 */
final class JwksCache {
    private static final Logger LOG = LoggerFactory.getLogger(JwksCache.class);
    private static final Duration FETCH_TIMEOUT = Duration.ofSeconds(10);
    private static final int MAX_BYTES = 1024 * 1024;

    private final Vertx vertx;
    /**
     * Where fetches run. A response's handlers must be set on the context that receives it, before its body arrives;
     * a fetch started from a thread outside Vert.x would get a new context for each step and could miss the body.
     */
    private final Context context;
    // Kept in a field: Vert.x 5 closes clients that become unreachable.
    private final HttpClient client;
    private final URI url;
    private final Duration ttl;
    private final Duration minRefreshInterval;
    private final InstantSource clock;
    private volatile JWKSet keys = new JWKSet();
    private volatile boolean failing;
    // Guarded by this.
    private CompletableFuture<JWKSet> fetching;
    private Instant lastRefetch;
    private long timer = -1;

    private JwksCache(Vertx vertx, URI url, Duration ttl, Duration minRefreshInterval, InstantSource clock) {
        this.vertx = vertx;
        this.context = vertx.getOrCreateContext();
        this.client = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout((int) FETCH_TIMEOUT.toMillis()));
        this.url = url;
        this.ttl = ttl;
        this.minRefreshInterval = minRefreshInterval;
        this.clock = clock;
    }

    static JwksCache start(Vertx vertx, URI url, Duration ttl, Duration minRefreshInterval, InstantSource clock) {
        JwksCache cache = new JwksCache(vertx, url, ttl, minRefreshInterval, clock);
        cache.fetch();
        return cache;
    }

    JWKSet current() {
        return keys;
    }

    /**
     * The keys after one more fetch, for a token that names a key not held; completes on the caller's context. Joins a
     * fetch under way; within {@code minRefreshInterval} of the last refetch it answers the keys held instead. Fails
     * with an {@link InvalidTokenException} when the provider cannot be reached.
     */
    Future<JWKSet> refetch() {
        Context caller = vertx.getOrCreateContext();
        CompletableFuture<JWKSet> pending;
        synchronized (this) {
            pending = fetching;
            if (pending == null) {
                Instant now = clock.instant();
                if (lastRefetch != null && now.isBefore(lastRefetch.plus(minRefreshInterval))) {
                    return failing ? Future.failedFuture(unreachable()) : Future.succeededFuture(keys);
                }
                lastRefetch = now;
                pending = fetch();
            }
        }
        return Future.fromCompletionStage(pending, caller).recover(e -> Future.failedFuture(unreachable()));
    }

    private synchronized CompletableFuture<JWKSet> fetch() {
        if (fetching != null) return fetching;
        CompletableFuture<JWKSet> result = new CompletableFuture<>();
        fetching = result;
        context.runOnContext(v -> client.request(new RequestOptions().setAbsoluteURI(url.toString()).setFollowRedirects(true)
                        .setIdleTimeout(FETCH_TIMEOUT.toMillis()))
                .compose(request -> request.putHeader("Accept", "application/json").send())
                .compose(JwksCache::body)
                .map(JwksCache::parse)
                .timeout(FETCH_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .onComplete(done -> fetched(result, done)));
        return result;
    }

    private void fetched(CompletableFuture<JWKSet> result, AsyncResult<JWKSet> done) {
        Duration next;
        if (done.succeeded()) {
            if (failing || !kids(done.result()).equals(kids(keys))) LOG.info("identity provider keys {} from {}", kids(done.result()), url);
            keys = done.result();
            failing = false;
            next = ttl;
        } else {
            failing = true;
            next = ttl.compareTo(minRefreshInterval) < 0 ? ttl : minRefreshInterval;
            String why = done.cause().getMessage() != null ? done.cause().getMessage() : done.cause().toString();
            LOG.warn("cannot fetch the identity provider's keys from {}: {}. Tokens signed with keys not fetched before are refused "
                    + "until a fetch succeeds; trying again in {}", url, why, Durations.format(next));
        }
        synchronized (this) {
            fetching = null;
            vertx.cancelTimer(timer);
            timer = vertx.setTimer(next.toMillis(), id -> fetch());
        }
        if (done.succeeded()) {
            result.complete(done.result());
        } else {
            result.completeExceptionally(done.cause());
        }
    }

    private static Future<Buffer> body(HttpClientResponse response) {
        if (response.statusCode() != 200) return Future.failedFuture("it answered HTTP " + response.statusCode());
        Promise<Buffer> body = Promise.promise();
        Buffer received = Buffer.buffer();
        response.handler(chunk -> {
            received.appendBuffer(chunk);
            if (received.length() > MAX_BYTES) {
                response.request().reset();
                body.tryFail("its answer is larger than " + MAX_BYTES + " bytes");
            }
        });
        response.exceptionHandler(body::tryFail);
        response.endHandler(v -> body.tryComplete(received));
        return body.future();
    }

    private static JWKSet parse(Buffer body) {
        try {
            return JWKSet.parse(body.toString(StandardCharsets.UTF_8));
        } catch (ParseException e) {
            throw new IllegalStateException("its answer is not a JWK set: " + e.getMessage(), e);
        }
    }

    private static List<String> kids(JWKSet set) {
        return set.getKeys().stream().map(JWK::getKeyID).map(String::valueOf).toList();
    }

    private static InvalidTokenException unreachable() {
        return new InvalidTokenException("the identity provider's keys could not be fetched to check this token; try again later");
    }
}
