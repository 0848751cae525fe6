package io.slipway.mcp;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The MCP sessions Slipway holds for clients of servers that give sessions (DESIGN §4): the client sees an {@code
 * Mcp-Session-Id} of Slipway's, which outlives the app's process. Each maps to the session the app's current process
 * gave ({@link Session#appSession}), made again when the process is another one (after a sleep, a crash, a redeploy)
 * by replaying the client's own {@code initialize} and {@code notifications/initialized}, with the headers they were
 * forwarded with, to it. Held in memory, bounded: {@value #MAX_PER_APP} sessions per app and {@value #MAX_ALL} in all
 * (past that, a new client keeps the app's own session), an {@code initialize} of at most {@value #MAX_INITIALIZE}
 * bytes (a larger one is left to the app), and a session unused for {@code idle} is forgotten; within an app the least
 * recently used go first.
 */
public final class McpSessions {
    public static final int MAX_PER_APP = 1000;
    public static final int MAX_INITIALIZE = 8 * 1024;
    public static final int MAX_ALL = 20_000;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Map<String, Session> byId = new ConcurrentHashMap<>();
    private final Map<String, java.util.Set<Session>> byApp = new ConcurrentHashMap<>();
    private final InstantSource clock;
    private final Duration idle;

    public McpSessions(InstantSource clock, Duration idle) {
        this.clock = clock;
        this.idle = idle;
    }

    /**
     * One client session. {@code initialize} is the client's request as it sent it, {@code protocolVersion} the
     * revision it asked for; the app's side is held with the process it was made in, an opaque token.
     */
    public final class Session {
        private final String id;
        private final String appId;
        private final String initialize;
        private final String protocolVersion;
        private final java.util.List<Map.Entry<String, String>> headers;
        private volatile Instant lastUsed;
        // Guarded by this.
        private Object process;
        private CompletableFuture<String> appSession;

        private Session(String id, String appId, String initialize, java.util.List<Map.Entry<String, String>> headers, String protocolVersion,
                        Object process, String appSession) {
            this.id = id;
            this.headers = headers;
            this.appId = appId;
            this.initialize = initialize;
            this.protocolVersion = protocolVersion;
            this.process = process;
            this.appSession = appSession == null ? null : CompletableFuture.completedFuture(appSession);
            this.lastUsed = clock.instant();
        }

        public String id() {
            return id;
        }

        public String initialize() {
            return initialize;
        }

        public String protocolVersion() {
            return protocolVersion;
        }

        /** The headers the client's {@code initialize} went to the app with (Slipway's credentials already taken out). */
        public java.util.List<Map.Entry<String, String>> headers() {
            return headers;
        }

        /**
         * The app's session in {@code process}: the one held when it was made there, or the one {@code replay} makes
         * (started once, however many requests ask at the same time).
         */
        public synchronized CompletableFuture<String> appSession(Object process, Supplier<CompletableFuture<String>> replay) {
            lastUsed = clock.instant();
            if (appSession == null || this.process != process || appSession.isCompletedExceptionally()) {
                this.process = process;
                appSession = replay.get();
            }
            return appSession;
        }

        /** The app's session, if it is one of {@code process}'s. */
        public synchronized Optional<String> appSessionIn(Object process) {
            return this.process == process && appSession != null && appSession.isDone() && !appSession.isCompletedExceptionally()
                    ? Optional.of(appSession.join()) : Optional.empty();
        }
    }

    /**
     * A new session for a client of {@code appId} that sent {@code initialize} asking for {@code protocolVersion}; with
     * the app's session {@code appSession} made in {@code process}, or none yet (answered while the app slept). Empty
     * when the {@code initialize} is too large to hold.
     */
    public Optional<Session> open(String appId, String initialize, Iterable<Map.Entry<String, String>> headers, String protocolVersion,
                                  Object process, String appSession) {
        if (initialize.length() > MAX_INITIALIZE) return Optional.empty();
        evict(appId);
        if (byId.size() >= MAX_ALL) return Optional.empty();
        byte[] bytes = new byte[24];
        RANDOM.nextBytes(bytes);
        java.util.List<Map.Entry<String, String>> kept = new java.util.ArrayList<>();
        headers.forEach(h -> kept.add(Map.entry(h.getKey(), h.getValue())));
        Session session = new Session(Base64.getUrlEncoder().withoutPadding().encodeToString(bytes), appId, initialize, java.util.List.copyOf(kept),
                protocolVersion, process, appSession);
        byId.put(session.id, session);
        byApp.computeIfAbsent(appId, a -> ConcurrentHashMap.newKeySet()).add(session);
        return Optional.of(session);
    }

    /** The client session {@code id} of {@code appId}, if Slipway holds it (another app's id is none). */
    public Optional<Session> find(String appId, String id) {
        if (id == null) return Optional.empty();
        Session session = byId.get(id);
        if (session == null || !session.appId.equals(appId)) return Optional.empty();
        if (Duration.between(session.lastUsed, clock.instant()).compareTo(idle) > 0) {
            close(session);
            return Optional.empty();
        }
        session.lastUsed = clock.instant();
        return Optional.of(session);
    }

    /** The client ended its session ({@code DELETE}). */
    public void close(Session session) {
        byId.remove(session.id, session);
        var ofApp = byApp.get(session.appId);
        if (ofApp != null) ofApp.remove(session);
    }

    /** The app was deleted: its sessions go. */
    public void forget(String appId) {
        var ofApp = byApp.remove(appId);
        if (ofApp != null) ofApp.forEach(s -> byId.remove(s.id, s));
    }

    /** Makes room for one more of the app's sessions: its idle ones go, then its least recently used past the bound. */
    private void evict(String appId) {
        var ofApp = byApp.get(appId);
        if (ofApp == null) return;
        Instant now = clock.instant();
        ofApp.stream().filter(s -> Duration.between(s.lastUsed, now).compareTo(idle) > 0).toList().forEach(this::close);
        if (ofApp.size() < MAX_PER_APP) return;
        ofApp.stream().sorted(Comparator.comparing(s -> s.lastUsed)).limit(ofApp.size() - MAX_PER_APP + 1L).toList().forEach(this::close);
    }
}
