package io.slipway.artifacts;

import io.slipway.app.FileTrees;
import io.slipway.runtime.BuildStep;
import io.slipway.runtime.RemoteBuildFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The build steps whose files are open to pods ({@link RemoteBuildFiles}): each open step's directories at {@value
 * #INPUT_ROUTE} and its one upload at {@value #OUTPUT_ROUTE}, below where sandboxes reach this Slipway, with a grant of
 * {@link ArtifactTokens#grantStep}. An upload is unpacked ({@link TarUnpacker}) into a directory beside the work
 * directory and, once whole, takes the work directory's place's content; a refused or broken one leaves the work
 * directory as it was and is removed. The HTTP side is {@code io.slipway.api.BuildFileTransfers}. Thread-safe.
 */
public final class BuildTransfers implements RemoteBuildFiles {
    private static final Logger LOG = LoggerFactory.getLogger(BuildTransfers.class);
    public static final String INPUT_ROUTE = "/internal/builds/:step/input/:index";
    public static final String OUTPUT_ROUTE = "/internal/builds/:step/output";

    private final ArtifactTokens grants;
    private final Supplier<URI> base;
    private final Optional<Path> trustedRoots;
    private final Map<String, Open> open = new ConcurrentHashMap<>();

    /** @param base where pods reach this Slipway (asked at every step) */
    public BuildTransfers(ArtifactTokens grants, Supplier<URI> base) {
        this(grants, base, io.slipway.runtime.host.RegistryBridge.hostCertificates());
    }

    /** @param trustedRoots the certificate bundle steps trust besides their image's own, if any */
    public BuildTransfers(ArtifactTokens grants, Supplier<URI> base, Optional<Path> trustedRoots) {
        this.grants = grants;
        this.base = base;
        this.trustedRoots = trustedRoots;
    }

    /** What a request's grant opens: the step, or why not. */
    public sealed interface Lookup {
        record Found(Open step) implements Lookup {
        }

        /** 401: no grant of a step, or an expired one. */
        record NoGrant() implements Lookup {
        }

        /** 403: a grant of another step. */
        record OtherStep() implements Lookup {
        }

        /** 404: no such step is open (it ended, or never was). */
        record NoStep() implements Lookup {
        }
    }

    public Lookup find(String stepId, String token) {
        Optional<String> granted = grants.verifyStep(token);
        if (granted.isEmpty()) return new Lookup.NoGrant();
        if (!granted.get().equals(stepId)) return new Lookup.OtherStep();
        Open step = open.get(stepId);
        return step == null ? new Lookup.NoStep() : new Lookup.Found(step);
    }

    @Override
    public Transfer open(BuildStep step, long maxOutputBytes, Duration ttl) {
        String id = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
        List<Path> dirs = new ArrayList<>();
        dirs.add(step.workDir());
        dirs.addAll(step.readOnly());
        Open made = new Open(id, step.description(), dirs, maxOutputBytes, grants.grantStep(id, ttl), base.get().toString().replaceAll("/+$", ""));
        open.put(id, made);
        return made;
    }

    /** One open step: its directories, its grant, and whether its output came. */
    public final class Open implements Transfer {
        private final String id;
        private final String description;
        private final List<Path> dirs;
        private final long maxOutputBytes;
        private final String grant;
        private final String base;
        private final AtomicBoolean uploading = new AtomicBoolean();
        private volatile boolean arrived;

        private Open(String id, String description, List<Path> dirs, long maxOutputBytes, String grant, String base) {
            this.id = id;
            this.description = description;
            this.dirs = List.copyOf(dirs);
            this.maxOutputBytes = maxOutputBytes;
            this.grant = grant;
            this.base = base;
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public List<URI> inputs() {
            List<URI> urls = new ArrayList<>();
            for (int i = 0; i < dirs.size(); i++) urls.add(URI.create(base + "/internal/builds/" + id + "/input/" + i));
            return urls;
        }

        @Override
        public URI output() {
            return URI.create(base + "/internal/builds/" + id + "/output");
        }

        @Override
        public String grant() {
            return grant;
        }

        @Override
        public boolean outputArrived() {
            return arrived;
        }

        @Override
        public Optional<URI> trustedRoots() {
            return trustedRoots.map(bundle -> URI.create(base + "/internal/builds/" + id + "/input/" + dirs.size()));
        }

        /** How many tars the step downloads: its directories, and the trusted roots where there are some. */
        public int inputCount() {
            return dirs.size() + (trustedRoots.isPresent() ? 1 : 0);
        }

        /** Writes directory {@code index} (or, past the directories, the trusted roots) as a tar to {@code out}. */
        public void writeInput(int index, OutputStream out) {
            if (index < dirs.size()) {
                Tar.write(dirs.get(index), out);
                return;
            }
            try {
                Tar tar = Tar.to(out);
                tar.copy(TRUSTED_ROOTS, trustedRoots.orElseThrow().toRealPath());
                tar.finish();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the trusted roots " + trustedRoots.orElseThrow(), e);
            }
        }

        /**
         * Unpacks the step's upload into its work directory in place of what was there. One upload per step: a second one
         * while the first runs, or after it arrived, is refused.
         *
         * @throws TarUnpacker.RefusedException when the tar is refused (too large, or an entry that may not be taken)
         * @throws IllegalStateException        when the output came already, or the step is over
         * @throws IOException                  when the upload breaks off
         */
        public void receiveOutput(InputStream in) throws IOException {
            if (arrived || !uploading.compareAndSet(false, true)) throw new IllegalStateException("the output of this step came already");
            Path workDir = dirs.getFirst();
            Path staging = workDir.resolveSibling("." + workDir.getFileName() + ".output-" + id);
            try {
                Files.createDirectory(staging);
                long bytes = TarUnpacker.unpack(in, staging, maxOutputBytes);
                if (!open.containsKey(id)) throw new IllegalStateException("the step is over");
                replaceContent(workDir, staging);
                arrived = true;
                LOG.info("received the output of {} ({}), {} bytes", description, id, bytes);
            } finally {
                FileTrees.deleteQuietly(staging);
                if (!arrived) uploading.set(false);
            }
        }

        @Override
        public void close() {
            open.remove(id, this);
        }
    }

    private static void replaceContent(Path dir, Path with) throws IOException {
        try (var old = Files.list(dir)) {
            for (Path entry : old.toList()) FileTrees.delete(entry);
        }
        try (var entries = Files.list(with)) {
            for (Path entry : entries.toList()) Files.move(entry, dir.resolve(entry.getFileName()));
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
