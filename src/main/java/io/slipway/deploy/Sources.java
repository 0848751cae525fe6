package io.slipway.deploy;

import io.slipway.app.App;

/**
 * Where each version's uploaded file is kept beyond this Slipway's data dir: for replicas sharing a database, in it,
 * so that any replica can build the version again ({@code io.slipway.boot.Replicas}); nowhere for one Slipway alone
 * ({@link #NONE}). Called on the deploy's thread; may block.
 */
public interface Sources {
    Sources NONE = new Sources() {
        @Override
        public void built(App app, String fileName, byte[] content) {
        }

        @Override
        public void serving(App app, java.util.Set<String> kept) {
        }
    };

    /** {@code app}'s version was built from {@code fileName} holding {@code content}; it has not started yet. */
    void built(App app, String fileName, byte[] content);

    /** {@code app}'s version serves now: what the versions not {@code kept} (code digests) were built from may go. */
    void serving(App app, java.util.Set<String> kept);
}
