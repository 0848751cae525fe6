package io.slipway.runtime.kubernetes;

import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Volume;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.slipway.app.FileTrees;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A pod's volumes on the host, as the kubelet makes them: each {@code emptyDir} a directory of its own under the pod's,
 * mode 0777, owned by the pod's {@code fsGroup} with the set-group-id bit when it has one; an {@code emptyDir} of {@code
 * medium: Memory} a tmpfs mounted there, of its {@code sizeLimit}, so that every container of the pod shares it as on a
 * node; a {@code persistentVolumeClaim} a directory of the node's per claim ({@code claims/<name>} beside the pods'),
 * which outlives the pod, with no size enforced and no check that the claim exists. Other volume types are refused. {@link #close()} unmounts and deletes them all. Not thread-safe: its pod's
 * worker uses it.
 */
final class PodVolumes implements AutoCloseable {
    private final Path root;
    private final Map<String, Path> volumes = new LinkedHashMap<>();
    private final List<Path> mounts = new ArrayList<>();

    private PodVolumes(Path root) {
        this.root = root;
    }

    /** Makes the volumes of {@code pod} under {@code root}, which must not exist yet. */
    static PodVolumes create(Path root, Pod pod) {
        PodVolumes made = new PodVolumes(root);
        try {
            Files.createDirectories(root);
            Long fsGroup = pod.getSpec().getSecurityContext() == null ? null : pod.getSpec().getSecurityContext().getFsGroup();
            for (io.fabric8.kubernetes.api.model.Volume volume : pod.getSpec().getVolumes()) {
                Path dir;
                if (volume.getPersistentVolumeClaim() != null) {
                    // A claim's volume outlives the pod: a directory of the node's, kept when the pod goes.
                    dir = Files.createDirectories(root.resolveSibling("claims").resolve(volume.getPersistentVolumeClaim().getClaimName()));
                } else if (volume.getEmptyDir() != null) {
                    dir = Files.createDirectory(root.resolve(volume.getName()));
                    if ("Memory".equals(volume.getEmptyDir().getMedium())) made.mountTmpfs(dir, volume.getEmptyDir().getSizeLimit());
                } else {
                    throw new IllegalArgumentException("volume " + volume.getName() + ": the test kubelet has emptyDir and persistentVolumeClaim volumes only");
                }
                made.volumes.put(volume.getName(), dir);
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
                if (fsGroup != null) {
                    Files.setAttribute(dir, "unix:gid", fsGroup.intValue());
                    Files.setAttribute(dir, "unix:mode", 02777);
                }
            }
            return made;
        } catch (IOException | RuntimeException e) {
            made.close();
            if (e instanceof IOException io) throw new UncheckedIOException("cannot make the volumes of pod " + pod.getMetadata().getName(), io);
            throw (RuntimeException) e;
        }
    }

    /** The bind mounts of {@code container}'s {@code volumeMounts}. */
    List<Bind> binds(Container container) {
        List<Bind> binds = new ArrayList<>();
        for (VolumeMount mount : container.getVolumeMounts()) {
            Path dir = volumes.get(mount.getName());
            if (dir == null) throw new IllegalArgumentException("container " + container.getName() + " mounts volume " + mount.getName() + ", which the pod lacks");
            if (mount.getSubPath() != null && !mount.getSubPath().isEmpty()) throw new IllegalArgumentException("subPath is not supported by the test kubelet");
            binds.add(new Bind(dir.toString(), new Volume(mount.getMountPath()), Boolean.TRUE.equals(mount.getReadOnly()) ? AccessMode.ro : AccessMode.rw));
        }
        return binds;
    }

    private void mountTmpfs(Path dir, Quantity sizeLimit) {
        String size = sizeLimit == null ? "" : ",size=" + Quantity.getAmountInBytes(sizeLimit).toBigInteger();
        run("mount", "-t", "tmpfs", "-o", "nosuid,nodev,mode=0777" + size, "tmpfs", dir.toString());
        mounts.add(dir);
    }

    @Override
    public void close() {
        for (Path mount : mounts) run("umount", "-l", mount.toString());
        mounts.clear();
        FileTrees.deleteQuietly(root);
    }

    private static void run(String... command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(10, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new IllegalStateException("'" + String.join(" ", command) + "' failed: " + output.strip());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command[0], e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + command[0], e);
        }
    }
}
