package io.slipway.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.LogConfig;
import io.slipway.artifacts.Tar;
import io.slipway.config.SlipwayConfig.SandboxSettings;
import io.slipway.runtime.SandboxSpec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How an app's container is made: what it runs, as whom, with what environment, and confined how. Its root file system
 * is read-only and it runs as {@value BaseImages#APP_UID} with no capabilities and {@code no-new-privileges}; memory is
 * limited with no swap beyond it, and so are CPU and processes; {@code /tmp} is a tmpfs of {@code sandbox.tmpSize},
 * which counts against the memory limit; an init ({@code Init: true}) is PID 1 and passes signals on, since node as PID
 * 1 would ignore SIGTERM; the engine keeps no log (the app's output is attached to, {@link ContainerOutput}) and gives it
 * no network (Slipway links it, {@link io.slipway.runtime.host.SandboxNetwork}).
 */
final class AppContainers {
    static final int PORT = 8000;

    private final DockerClient docker;
    private final SandboxSettings sandbox;
    private final Map<String, String> labels;

    /** @param labels what every app's container carries beyond its spec's labels (this Slipway's owner label) */
    AppContainers(DockerClient docker, SandboxSettings sandbox, Map<String, String> labels) {
        this.docker = docker;
        this.sandbox = sandbox;
        this.labels = Map.copyOf(labels);
    }

    /** Creates (does not start) the container of {@code spec} from {@code image}; returns its id. */
    String create(SandboxSpec spec, String image, BaseImages.Interpreter base) {
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
                .withTmpFs(Map.of("/tmp", "rw,nosuid,nodev,size=" + sandbox.tmpSize().bytes() + ",mode=1777"))
                .withInit(true)
                .withLogConfig(new LogConfig(LogConfig.LoggingType.NONE));
        return docker.createContainerCmd(image)
                .withCmd(spec.artifact().command(base.program(), base.program()))
                .withEnv(environment(spec))
                .withWorkingDir("/app/code")
                .withUser(BaseImages.APP_UID + ":" + BaseImages.APP_UID)
                .withLabels(tags)
                .withHostConfig(host)
                .exec().getId();
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

    /**
     * Gives an app allowed the internet a resolver: {@code sandbox.egressDns}, or else the host's. The engine gives a
     * container of network mode none no {@code /etc/resolv.conf}. Copied before the start: the root file system is
     * read-only from then on.
     */
    void giveResolvConf(String container) {
        try {
            String resolvers = sandbox.egressDns().isEmpty() ? Files.readString(Path.of("/etc/resolv.conf"))
                    : "nameserver " + sandbox.egressDns() + "\n";
            ByteArrayOutputStream tar = new ByteArrayOutputStream();
            Tar.to(tar).file("resolv.conf", resolvers.getBytes(StandardCharsets.UTF_8), 0644).finish();
            docker.copyArchiveToContainerCmd(container).withRemotePath("/etc").withTarInputStream(new ByteArrayInputStream(tar.toByteArray())).exec();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot give the container a resolv.conf", e);
        }
    }
}
