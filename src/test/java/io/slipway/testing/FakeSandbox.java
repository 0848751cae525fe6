package io.slipway.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.slipway.logs.LogSource;
import io.slipway.runtime.Sandbox;
import io.slipway.runtime.SandboxExit;
import io.slipway.runtime.SandboxObserver;
import io.slipway.runtime.SandboxRestart;
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
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One sandbox of the {@link FakeSandboxRuntime}: a simulated app in this JVM, an HTTP server on a loopback port of its
 * own ({@code PORT}, with {@code HOST=127.0.0.1}, as where a runtime shares the host's network), whose output goes to
 * the spec's log sink through a real pipe. Its "process" ends when the app exits, is killed, or ignores SIGTERM past
 * the grace; its server closes then, so that its port refuses connections as a dead app's would. For tests of restarts
 * under Slipway, {@link #restart} replaces the process and keeps the sandbox, as a kubelet restarts a pod's container.
 * Thread-safe.
 */
public final class FakeSandbox implements Sandbox {
    /** One run of the app: its server, and the threads that answer. */
    private record AppProcess(HttpServer server, ExecutorService handlers) {
        /** Serves the sandbox's app on {@code server}, bound and not yet started. */
        static AppProcess serve(FakeSandbox sandbox, HttpServer server) {
            ExecutorService handlers = Executors.newVirtualThreadPerTaskExecutor();
            server.setExecutor(handlers);
            server.createContext("/", sandbox::handle);
            server.start();
            return new AppProcess(server, handlers);
        }

        /** Its port refuses connections from now on, and those it had are closed. */
        void end() {
            server.stop(0);
            handlers.shutdown();
        }
    }

    private final SandboxSpec spec;
    private final FakeApp app;
    private final InetSocketAddress address;
    private final Map<String, String> env;
    private final OutputStream output;
    private final CompletableFuture<SandboxExit> exited = new CompletableFuture<>();
    private volatile SandboxObserver observer;
    // Guarded by output: the process that runs (null between a restart and the new one's listening), whether the
    // sandbox has ended, and how many restarts it had.
    private AppProcess process;
    private boolean ended;
    private int restarts;
    private int linesWritten; // NUMBERED's count, guarded by this

    private FakeSandbox(SandboxSpec spec, FakeApp app, InetSocketAddress address, OutputStream output) {
        this.spec = spec;
        this.app = app;
        this.address = address;
        this.output = output;
        Map<String, String> variables = new LinkedHashMap<>(spec.env());
        variables.put("PORT", Integer.toString(address.getPort()));
        variables.put("HOST", "127.0.0.1");
        variables.put("NODE_ENV", "production");
        this.env = Map.copyOf(variables);
    }

    static FakeSandbox start(SandboxSpec spec, FakeApp app) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
            Pipe pipe = Pipe.open();
            FakeSandbox sandbox = new FakeSandbox(spec, app, server.getAddress(), Channels.newOutputStream(pipe.sink()));
            spec.log().pump(Channels.newInputStream(pipe.source()), LogSource.APP);
            if (app.listens()) {
                synchronized (sandbox.output) {
                    sandbox.process = AppProcess.serve(sandbox, server);
                }
            } else {
                server.stop(0); // its port was only taken for an address; the app dies before it would listen
            }
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
        return address;
    }

    /** One observer, told of restarts from now on. */
    @Override
    public void observe(SandboxObserver observer) {
        this.observer = observer;
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

    /**
     * The app's process is restarted under Slipway, as a kubelet restarts a pod's container: the process that ran ends
     * as {@code previous} says (its port refuses, its connections are closed), a new one starts at once, which the
     * observer is told, and listens on the same address after {@code notReadyFor}, as a new app that loads for a while.
     * The sandbox stays: {@link #exited()} does not complete, and a stop meanwhile stops the new process, listening or
     * not. The new process is a new app: what the old one held (NUMBERED's count) is gone.
     *
     * @throws IllegalStateException if the sandbox has ended
     */
    public SandboxRestart restart(SandboxExit previous, Duration notReadyFor) {
        SandboxRestart restart;
        AppProcess last;
        synchronized (output) {
            if (ended) throw new IllegalStateException("the sandbox of " + appId() + " has ended: there is nothing to restart");
            last = process;
            process = null;
            restart = new SandboxRestart(++restarts, previous, Instant.now());
        }
        if (last != null) last.end();
        linesWritten(0);
        CompletableFuture.delayedExecutor(notReadyFor.toMillis(), TimeUnit.MILLISECONDS).execute(() -> listenAgain(restart.count()));
        SandboxObserver told = observer;
        if (told != null) told.restarted(restart);
        return restart;
    }

    /**
     * The process of restart {@code count} listens, on the address the sandbox had (the kernel lets a closed listener's
     * port be bound again), unless the sandbox ended or was restarted once more meanwhile.
     */
    private void listenAgain(int count) {
        synchronized (output) {
            if (ended || restarts != count) return;
            try {
                process = AppProcess.serve(this, HttpServer.create(address, 64));
            } catch (IOException e) {
                throw new UncheckedIOException("the restarted fake app of " + appId() + " cannot listen on " + address + " again", e);
            }
        }
        app.started(this);
    }

    public boolean isAlive() {
        return !exited.isDone();
    }

    /** Whether the app's process listens now: false once the sandbox ended, and between a restart and the new one's listening. */
    public boolean isListening() {
        synchronized (output) {
            return process != null;
        }
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
        return address.getPort();
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
        AppProcess last;
        synchronized (output) {
            if (ended) return;
            ended = true;
            last = process;
            process = null;
            try {
                output.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        if (last != null) last.end();
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
