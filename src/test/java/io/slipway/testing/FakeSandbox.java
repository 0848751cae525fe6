package io.slipway.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.slipway.logs.LogSource;
import io.slipway.runtime.Sandbox;
import io.slipway.runtime.SandboxExit;
import io.slipway.runtime.SandboxSpec;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.Pipe;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One sandbox of the {@link FakeSandboxRuntime}: a simulated app in this JVM, an HTTP server on a loopback port of its
 * own ({@code PORT}, with {@code HOST=127.0.0.1}, as where a runtime shares the host's network), whose output goes to
 * the spec's log sink through a real pipe. Its "process" ends when the app exits, is killed, or ignores SIGTERM past
 * the grace; its server closes then, so that its port refuses connections as a dead app's would. Thread-safe.
 */
public final class FakeSandbox implements Sandbox {
    private final SandboxSpec spec;
    private final FakeApp app;
    private final HttpServer server;
    private final Map<String, String> env;
    private final OutputStream output;
    private final java.util.concurrent.ExecutorService handlers;
    private final CompletableFuture<SandboxExit> exited = new CompletableFuture<>();
    private boolean ended; // guarded by output
    private int linesWritten; // NUMBERED's count, guarded by this

    private FakeSandbox(SandboxSpec spec, FakeApp app, HttpServer server, OutputStream output) {
        this.handlers = Executors.newVirtualThreadPerTaskExecutor();
        this.spec = spec;
        this.app = app;
        this.server = server;
        this.output = output;
        Map<String, String> variables = new LinkedHashMap<>(spec.env());
        variables.put("PORT", Integer.toString(server.getAddress().getPort()));
        variables.put("HOST", "127.0.0.1");
        variables.put("NODE_ENV", "production");
        this.env = Map.copyOf(variables);
    }

    static FakeSandbox start(SandboxSpec spec, FakeApp app) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
            Pipe pipe = Pipe.open();
            FakeSandbox sandbox = new FakeSandbox(spec, app, server, Channels.newOutputStream(pipe.sink()));
            spec.log().pump(Channels.newInputStream(pipe.source()), LogSource.APP);
            server.setExecutor(sandbox.handlers);
            server.createContext("/", sandbox::handle);
            server.start();
            app.started(sandbox);
            return sandbox;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the fake app of " + spec.appId(), e);
        }
    }

    @Override
    public String appId() {
        return spec.appId();
    }

    @Override
    public SocketAddress address() {
        return server.getAddress();
    }

    @Override
    public CompletableFuture<SandboxExit> exited() {
        return exited;
    }

    /** SIGTERM to the app, which reacts as its {@link FakeApp} does; what still runs after {@code grace} is killed. */
    @Override
    public SandboxExit stop(Duration grace) {
        if (!exited.isDone()) {
            app.terminated(this);
            try {
                exited.get(grace.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                kill();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                kill();
            } catch (ExecutionException e) {
                throw new IllegalStateException(e);
            }
        }
        return exited.join();
    }

    /** The app exits by itself with {@code code}, as a crash would (its server goes with it). */
    public void crash(int code) {
        exit(new SandboxExit(code));
    }

    /** SIGKILL: the app is gone at once, with 137. */
    public void kill() {
        exit(new SandboxExit(137));
    }

    public boolean isAlive() {
        return !exited.isDone();
    }

    SandboxSpec spec() {
        return spec;
    }

    Map<String, String> env() {
        return env;
    }

    synchronized int linesWritten() {
        return linesWritten;
    }

    synchronized void linesWritten(int count) {
        linesWritten = count;
    }

    int port() {
        return server.getAddress().getPort();
    }

    /** One line of the app's output, as it would print it. */
    void log(String line) {
        synchronized (output) {
            if (ended) return;
            try {
                output.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException("the fake app's output is closed", e);
            }
        }
    }

    /** The simulated process ends: its port closes, its output ends, and then {@link #exited()} completes. The first exit wins. */
    void exit(SandboxExit exit) {
        synchronized (output) {
            if (ended) return;
            ended = true;
            try {
                output.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        server.stop(0);
        handlers.shutdown();
        exited.complete(exit);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            FakeApp.Answer answer = app.answer(this, exchange.getRequestURI(), body);
            byte[] bytes = answer.body().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", answer.contentType());
            exchange.sendResponseHeaders(answer.status(), bytes.length == 0 ? -1 : bytes.length);
            if (bytes.length > 0) exchange.getResponseBody().write(bytes);
        }
    }
}
