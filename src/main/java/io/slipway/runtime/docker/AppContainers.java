package io.slipway.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.LogConfig;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Volume;
import io.slipway.config.SlipwayConfig.SandboxSettings;
import io.slipway.runtime.NetworkPolicy;
import io.slipway.runtime.SandboxSpec;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How an app's container is made: what it runs, as whom, with what environment, and confined how. Its root file system
 * is read-only and it runs as the app's own host uid (and group) with no capabilities and {@code no-new-privileges},
 * which reads the image's files as anyone may (they are root's and readable by all); memory is
 * limited with no swap beyond it, and so are CPU and processes; {@code /tmp} is a tmpfs of {@code sandbox.tmpSize},
 * which counts against the memory limit, and the app's only writable directory: {@code /run} and {@code /var/tmp}, where
 * podman mounts tmpfs of its own writable by all in a read-only container, are empty tmpfs of root's, and so is each
 * volume the image declares, which the engine would otherwise make a writable directory on its own disk, unbounded and
 * kept after the container; an init ({@code
 * Init: true}) is PID 1 and passes signals on, since node as PID 1 would ignore SIGTERM; the engine keeps no log (the
 * app's output is attached to, {@link ContainerOutput}) and gives it no network (Slipway links it, {@link
 * io.slipway.runtime.host.SandboxNetwork}). Its {@code /etc/hosts} is Slipway's, naming localhost alone: podman's names
 * the host's address and copies the host's own entries. An app allowed the internet gets a resolv.conf too; both are
 * read-only bind mounts.
 */
final class AppContainers {
    static final int PORT = 8000;
    /** A directory the app may not write, where an engine would otherwise mount a tmpfs it may. */
    private static final String NOT_THE_APPS = "ro,nosuid,nodev,noexec,size=64k,mode=0755";

    private final DockerClient docker;
    private final SandboxSettings sandbox;
    private final Map<String, String> labels;
    private final Path resolvConf;
    private final Path hosts;

    /**
     * @param labels     what every app's container carries beyond its spec's labels (this Slipway's owner label)
     * @param resolvConf the resolvers of apps allowed the internet, a file on the engine's host
     * @param hosts      every container's {@code /etc/hosts}, a file on the engine's host
     */
    AppContainers(DockerClient docker, SandboxSettings sandbox, Map<String, String> labels, Path resolvConf, Path hosts) {
        this.docker = docker;
        this.sandbox = sandbox;
        this.labels = Map.copyOf(labels);
        this.resolvConf = resolvConf;
        this.hosts = hosts;
    }

    /**
     * Creates (does not start) the container of {@code spec} from {@code image}, to run as {@code uid}, with the host
     * directory {@code data} (the app's mounted {@code /data}, or null for none) at {@code /data}; returns its id.
     */
    String create(SandboxSpec spec, String image, BaseImages.Interpreter base, int uid, Path data) {
        Map<String, String> tags = new LinkedHashMap<>(spec.labels());
        tags.putAll(labels);
        long memory = spec.limits().memory().bytes();
        HostConfig host = HostConfig.newHostConfig()
                .withNetworkMode(DockerSettings.NO_ENGINE_NETWORK)
                .withMemory(memory)
                .withMemorySwap(memory)
                .withNanoCPUs(Math.round(spec.limits().cpus() * 1e9))
                .withPidsLimit((long) spec.limits().pids())
                .withReadonlyRootfs(true)
                .withCapDrop(Capability.ALL)
                .withSecurityOpts(List.of("no-new-privileges"))
                .withTmpFs(tmpfs(docker, image, sandbox.tmpSize().bytes()))
                .withInit(true)
                .withLogConfig(new LogConfig(LogConfig.LoggingType.NONE));
        List<Bind> binds = new java.util.ArrayList<>(List.of(new Bind(hosts.toString(), new Volume("/etc/hosts"), AccessMode.ro)));
        if (spec.network() == NetworkPolicy.INTERNET) {
            // Mounted, not copied in before the start: dockerd refuses to copy into a read-only root even then ("container
            // rootfs is marked read-only"), and for network mode none it mounts the host's own resolv.conf, podman none.
            binds.add(new Bind(resolvConf.toString(), new Volume("/etc/resolv.conf"), AccessMode.ro));
        }
        if (data != null) binds.add(new Bind(data.toString(), new Volume("/data"), AccessMode.rw));
        host.withBinds(binds);
        return docker.createContainerCmd(image)
                .withCmd(spec.artifact().command(base.program(), base.program()))
                .withEnv(environment(spec))
                .withWorkingDir("/app/code")
                .withUser(uid + ":" + uid)
                .withLabels(tags)
                .withHostConfig(host)
                .exec().getId();
    }

    /**
     * {@code /tmp}, the app's (or the build step's), of {@code tmpBytes}; and, not the app's, {@code /run}, {@code
     * /var/tmp} and every volume the image declares.
     */
    static Map<String, String> tmpfs(DockerClient docker, String image, long tmpBytes) {
        Map<String, String> tmpfs = new LinkedHashMap<>();
        var volumes = docker.inspectImageCmd(image).exec().getConfig().getVolumes();
        if (volumes != null) volumes.keySet().forEach(volume -> tmpfs.put(volume, NOT_THE_APPS));
        tmpfs.put("/run", NOT_THE_APPS);
        tmpfs.put("/var/tmp", NOT_THE_APPS);
        tmpfs.put("/tmp", "rw,nosuid,nodev,size=" + tmpBytes + ",mode=1777");
        return tmpfs;
    }

    /** The app's own variables, then what Slipway sets, which the app's cannot override. */
    private static List<String> environment(SandboxSpec spec) {
        Map<String, String> env = new LinkedHashMap<>(spec.env());
        env.put("PORT", Integer.toString(PORT));
        env.put("HOST", "0.0.0.0");
        env.put("NODE_ENV", "production");
        env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
        env.put("HOME", "/tmp");
        env.put("PYTHONUNBUFFERED", "1");
        return env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
    }
}
