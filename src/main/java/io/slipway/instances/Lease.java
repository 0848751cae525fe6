package io.slipway.instances;

import java.net.SocketAddress;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * A request's hold on a running instance. Until the app begins to answer ({@link #answered()}) the lease keeps the app
 * awake however long it takes; after that, only bytes moving ({@link #received}, {@link #sent}) renew the app's activity, so that an
 * open stream carrying nothing for {@code sleepAfter} does not keep the app awake, and billed, forever.
 * {@link #release()} must be called exactly once when the exchange ends; further calls do nothing.
 */
public interface Lease {
    SocketAddress address();

    /**
     * The app's process this lease is on, as an opaque token: the same for every lease on it, another one after each
     * start or restart under Slipway. For state an app's process holds (an MCP session), to tell when it is gone.
     */
    Object process();

    /**
     * Completes once the instance has let go of the app's process this lease is on, because its sandbox exited or is
     * being stopped, or the app was restarted under Slipway, with the {@link System#nanoTime()} at which that was seen; a
     * lease asked for afterwards is on a new start, or on the restarted app once it is ready again. Never completes while
     * that process runs. For a request whose connection to the app failed: it may wait for this and try again, if it
     * did not reach the app before then.
     */
    CompletionStage<Long> gone();

    /**
     * What to do if the sandbox's process exits, or is restarted under Slipway, while this exchange is open: an app
     * killed with its whole sandbox may leave its connections without a FIN or a reset, and an exchange on one would wait
     * forever. One action per lease; a later call replaces it. Runs on the thread that saw the exit or the restart.
     */
    void onGone(Runnable action);

    /** The app's answer has begun. */
    void answered();

    /** Bytes moved from the client to the app (body chunks, WebSocket frames). Cheap: called for every chunk. */
    void received(int bytes);

    /** Bytes moved from the app to the client. Cheap: called for every chunk. */
    void sent(int bytes);

    /**
     * How to end this exchange cleanly if the app is put to sleep while it is still open (a stream that carried
     * nothing): the returned stage completes once the client has been told, so that it can reconnect and wake it.
     */
    void onSleep(Supplier<CompletionStage<Void>> endCleanly);

    void release();
}
