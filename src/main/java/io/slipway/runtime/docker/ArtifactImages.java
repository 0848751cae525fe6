package io.slipway.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.HostConfig;
import io.slipway.artifacts.Tar;
import io.slipway.config.DataSize;
import io.slipway.runtime.Artifact;
import io.slipway.runtime.ArtifactSource;
import io.slipway.runtime.Layer;
import io.slipway.runtime.SandboxSpec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One image per artifact: its base image with the code layer at {@code /app/code} and the dependency layer at
 * {@code /app/node_modules} or {@code /app/venv}, made once and tagged by a digest of the base image, the code as read
 * and the dependency layer's digest, so that every later start of the same artifact (after any restart, and by any app
 * of this Slipway whose code directory holds the same files with the same mtimes) creates its container at once.
 * Copying the layers into each container before its start instead costs that start the copy: ~25 ms for a hello app,
 * 0.7–1 s for a 43 MB dependency set (measured on podman 4.3). The image is made by copying the layers' tars into a
 * container that is never started and committing it. Thread-safe; two starts of one artifact make it once.
 *
 * <p>An image is shared by every app whose artifact has its tag, so the tag must name what the image holds. The code
 * layer's digest names the build's inputs, not its bytes as read (the files' modes and owners, which a runtime changes,
 * go into a tar too), so the code is read once, its tar's SHA-256 goes into the tag, and those same bytes are copied
 * into the image. A dependency set is one directory per digest, written once by the build and root's from then on: its
 * digest names it, but only in this Slipway's data dir, since the digest hashes the set's inputs (another Slipway on the
 * engine, with another registry or installing on another day, holds another set under it): the tag names this
 * Slipway's owner label too.
 *
 * <p>A layer takes in an image what it takes as a tar, which can be far more than on the host: a sparse file takes its
 * full size, each hard link its target's again. A layer whose tar passes {@code docker.maxLayerSize} is refused, so that
 * a dependency set an install script made small on the host cannot fill the engine's disk. And an app keeps one image
 * made for it: the older ones (its earlier versions') go once a new one is made, unless a container still uses them.
 */
final class ArtifactImages {
    static final String REPOSITORY = BaseImages.REPOSITORY + "app";
    private static final Logger LOG = LoggerFactory.getLogger(ArtifactImages.class);

    private final DockerClient docker;
    private final ArtifactSource source;
    private final Map<String, String> labels;
    private final DataSize maxLayerSize;
    private final Map<String, ReentrantLock> making = new ConcurrentHashMap<>();

    /**
     * @param labels       what the containers the images are made in carry, so that a crash's leftovers are found and reaped
     * @param maxLayerSize the most a layer's tar may take ({@code docker.maxLayerSize})
     */
    ArtifactImages(DockerClient docker, ArtifactSource source, Map<String, String> labels, DataSize maxLayerSize) {
        this.docker = docker;
        this.source = source;
        this.labels = Map.copyOf(labels);
        this.maxLayerSize = maxLayerSize;
    }

    /** The image that runs {@code artifact} of {@code appId} on {@code base}, made first if the engine lacks it. */
    String of(String appId, Artifact artifact, BaseImages.Interpreter base) {
        String baseId = docker.inspectImageCmd(base.image()).exec().getId();
        byte[] code = code(appId, artifact);
        String tag = digest(baseId, artifact, code);
        String image = REPOSITORY + ":" + tag;
        ReentrantLock lock = making.computeIfAbsent(tag, t -> new ReentrantLock());
        lock.lock();
        try {
            if (exists(image)) return image;
            long started = System.nanoTime();
            make(appId, artifact, base, image, code);
            LOG.info("made the image {} for {} in {} ms", image, appId, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
            removeImagesOf(appId, docker.inspectImageCmd(image).exec().getId());
            return image;
        } finally {
            lock.unlock();
            making.remove(tag, lock);
        }
    }

    /**
     * Removes the images made for {@code appId} (each version's), unless a container still uses one: another app whose
     * code directory is the same (files and mtimes, as its tar has them) runs from the same image, and makes it again at its next start if it is gone.
     */
    void forget(String appId) {
        removeImagesOf(appId, null);
    }

    /**
     * Removes this Slipway's images made for apps not in {@code knownApps} (deleted while their images could not be
     * removed), those no container uses; returns how many.
     */
    int forgetAllBut(java.util.Set<String> knownApps) {
        int removed = 0;
        // Filtered by one label, the rest here: podman 4.3 finds no image for two label filters that both match.
        for (var image : docker.listImagesCmd().withLabelFilter(Map.of(DockerSandboxRuntime.OWNER_LABEL, labels.get(DockerSandboxRuntime.OWNER_LABEL))).exec()) {
            Map<String, String> tags = image.getLabels();
            if (tags == null || !tags.entrySet().containsAll(labels.entrySet()) || knownApps.contains(tags.get(SandboxSpec.APP_LABEL))) continue;
            if (remove(image.getId(), tags.get(SandboxSpec.APP_LABEL))) removed++;
        }
        return removed;
    }

    /** Removes the images made for {@code appId} but {@code kept} (an image id, or null), those no container uses. */
    private void removeImagesOf(String appId, String kept) {
        // Filtered by one label, the rest here: podman 4.3 finds no image for two label filters that both match.
        for (var image : docker.listImagesCmd().withLabelFilter(Map.of(SandboxSpec.APP_LABEL, appId)).exec()) {
            if (image.getLabels() == null || !image.getLabels().entrySet().containsAll(labels.entrySet())) continue;
            if (!image.getId().equals(kept)) remove(image.getId(), appId);
        }
    }

    /** Removes an image unless a container uses it; whether it is gone. */
    private boolean remove(String image, String appId) {
        try {
            docker.removeImageCmd(image).exec();
            return true;
        } catch (NotFoundException | com.github.dockerjava.api.exception.ConflictException e) {
            LOG.debug("the image {} of {} stays: {}", image, appId, e.getMessage());
        } catch (RuntimeException e) {
            LOG.warn("cannot remove the image {} of {}: {}", image, appId, e.getMessage());
        }
        return false;
    }

    /**
     * The labels of the container an image is made in, which the image keeps (podman's commit ignores labels given to
     * it, dockerd's takes them): this Slipway's, and the app it is made for, whose deletion removes it.
     */
    private Map<String, String> madeFor(String appId) {
        Map<String, String> tags = new java.util.HashMap<>(labels);
        tags.put(SandboxSpec.APP_LABEL, appId);
        return tags;
    }

    private boolean exists(String image) {
        try {
            docker.inspectImageCmd(image).exec();
            return true;
        } catch (NotFoundException e) {
            return false;
        }
    }

    /** The app's code layer as a tar, read once: what the image's tag names is what goes into it. */
    private byte[] code(String appId, Artifact artifact) {
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        source.writeTar(appId, artifact.code(), new Capped(tar, "the code of " + appId));
        return tar.toByteArray();
    }

    private void make(String appId, Artifact artifact, BaseImages.Interpreter base, String image, byte[] code) {
        String container = docker.createContainerCmd(base.image()).withCmd(base.program())
                .withLabels(madeFor(appId)).withHostConfig(HostConfig.newHostConfig().withNetworkMode(DockerSettings.NO_ENGINE_NETWORK)).exec().getId();
        try {
            String dependencies = switch (artifact.language()) {
                case NODE -> "/app/node_modules";
                case PYTHON -> "/app/venv";
            };
            // The mount points first: an image of the operator's choosing need not have them.
            copy(container, "/", out -> directories(out, dependencies));
            docker.copyArchiveToContainerCmd(container).withRemotePath("/app/code").withTarInputStream(new ByteArrayInputStream(code)).exec();
            artifact.dependencies().ifPresent(layer -> copy(container, dependencies,
                    out -> source.writeTar(appId, layer, new Capped(out, "the dependency set " + layer.digest().substring(0, 19) + "… of " + appId))));
            String[] name = image.split(":(?=[^:/]+$)");
            docker.commitCmd(container).withRepository(name[0]).withTag(name[1]).exec();
        } finally {
            docker.removeContainerCmd(container).withForce(true).withRemoveVolumes(true).exec();
        }
    }

    private static void directories(java.io.OutputStream out, String dependencies) {
        try {
            Tar.to(out).directory("app", 0755).directory("app/code", 0755).directory(dependencies.substring(1), 0755).finish();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Streams what {@code writer} writes into the (stopped) container at {@code path}, as the engine reads it. */
    private void copy(String container, String path, Consumer<java.io.OutputStream> writer) {
        if (path.equals("/")) {
            ByteArrayOutputStream small = new ByteArrayOutputStream();
            writer.accept(small);
            docker.copyArchiveToContainerCmd(container).withRemotePath(path).withTarInputStream(new ByteArrayInputStream(small.toByteArray())).exec();
            return;
        }
        try (PipedInputStream in = new PipedInputStream(1 << 20); PipedOutputStream out = new PipedOutputStream(in)) {
            var failure = new java.util.concurrent.atomic.AtomicReference<RuntimeException>();
            var abandoned = new java.util.concurrent.atomic.AtomicBoolean();
            Thread thread = Thread.ofVirtual().name("layer-" + container.substring(0, 12)).start(() -> {
                try (out) {
                    writer.accept(out);
                } catch (RuntimeException | IOException e) {
                    if (!abandoned.get()) failure.set(e instanceof RuntimeException r ? r : new UncheckedIOException((IOException) e));
                }
            });
            try {
                docker.copyArchiveToContainerCmd(container).withRemotePath(path).withTarInputStream(in).exec();
            } catch (RuntimeException e) {
                // A layer that could not be read ends the tar early, and the engine refuses it: the reason is the layer's.
                // An engine that refused the copy for a reason of its own leaves the writer blocked on the pipe: closed
                // here, which ends the writer with an error that is no failure of the layer's.
                thread.join(TimeUnit.MILLISECONDS.toMillis(200));
                abandoned.set(true);
                in.close();
                thread.join(TimeUnit.SECONDS.toMillis(5));
                if (failure.get() != null) failure.get().addSuppressed(e);
                throw failure.get() != null ? failure.get() : e;
            }
            thread.join(TimeUnit.SECONDS.toMillis(30));
            if (failure.get() != null) throw failure.get();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy a layer into " + path, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while copying a layer", e);
        }
    }

    /** What a layer's tar is written through: refused once past {@code docker.maxLayerSize}, before the engine stores more. */
    private final class Capped extends java.io.FilterOutputStream {
        private final String what;
        private long written;

        Capped(java.io.OutputStream out, String what) {
            super(out);
            this.what = what;
        }

        @Override
        public void write(int b) throws IOException {
            count(1);
            out.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            count(len);
            out.write(b, off, len);
        }

        private void count(long n) {
            written += n;
            if (written > maxLayerSize.bytes()) {
                throw new IllegalStateException(what + " takes more than docker.maxLayerSize (" + maxLayerSize + ") in an image, where a "
                        + "sparse file takes its full size and a hard link its target's again; an operator can raise docker.maxLayerSize");
            }
        }
    }

    /**
     * 32 hex digits of the SHA-256 of this Slipway's owner label, the base image's id, the language, the code's tar and the
     * dependency layer's digest.
     */
    private String digest(String baseId, Artifact artifact, byte[] code) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            String key = labels.get(DockerSandboxRuntime.OWNER_LABEL) + "\n" + baseId + "\n" + artifact.language().id() + "\n" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(code)) + "\n"
                    + artifact.dependencies().map(Layer::digest).orElse("-");
            return HexFormat.of().formatHex(sha.digest(key.getBytes(StandardCharsets.UTF_8))).substring(0, 32);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
