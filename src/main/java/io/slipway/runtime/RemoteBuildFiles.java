package io.slipway.runtime;

import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * How a build step that runs away from Slipway's host (a pod on some node) gets its files and gives back its result,
 * over HTTP from Slipway, as {@link RemoteLayers} serves apps their layers: the step's work directory and each of its
 * read-only directories as an uncompressed tar to download, and one upload of the work directory as it was left, which
 * Slipway unpacks into the work directory in place of what was there. Each URL opens only with the transfer's grant.
 * Thread-safe.
 */
public interface RemoteBuildFiles {
    /** The one file of the trusted roots' tar ({@link Transfer#trustedRoots}). */
    String TRUSTED_ROOTS = "ca-certificates.crt";

    /**
     * Opens the transfers of {@code step} for {@code ttl}: from now until it is closed (or the grant expires), its files
     * may be downloaded and its result uploaded once, of at most {@code maxOutputBytes} as a tar.
     */
    Transfer open(BuildStep step, long maxOutputBytes, Duration ttl);

    /** One step's transfers. Closing it makes every URL of it answer 404; an upload under way is refused. */
    interface Transfer extends AutoCloseable {
        /** Where the step's id names it in logs and URLs. */
        String id();

        /** Each directory to download: the work directory first, then the step's read-only ones, in order. */
        List<URI> inputs();

        /**
         * Where Slipway's own trusted roots download, as a tar of one file {@code ca-certificates.crt}, when it has a
         * bundle: a registry reached through a TLS-inspecting egress is signed by a root that only that bundle holds.
         */
        java.util.Optional<URI> trustedRoots();

        /** Where the work directory's tar is uploaded ({@code PUT}). */
        URI output();

        /** What the downloads and the upload send as {@code Authorization: Bearer}. */
        String grant();

        /** Whether the upload arrived whole and was unpacked into the work directory. */
        boolean outputArrived();

        @Override
        void close();
    }
}
