package io.slipway.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.WaitContainerResultCallback;
import com.github.dockerjava.api.exception.DockerClientException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.LogConfig;
import com.github.dockerjava.api.model.Volume;
import io.slipway.app.Language;
import io.slipway.config.BuildLimits;
import io.slipway.logs.LogSource;
import io.slipway.runtime.BuildEnvironment;
import io.slipway.runtime.BuildRunner;
import io.slipway.runtime.BuildStep;
import io.slipway.runtime.BuildStepFailedException;
import io.slipway.runtime.RegistryGateway;
import io.slipway.runtime.host.RegistryBridge;
import io.slipway.runtime.process.BubblewrapBuilds;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The docker runtime's builds. A language whose apps start from an image named in {@code docker.nodeImage} or {@code
 * docker.pythonImage} has its packages installed in a container of that very image, so that they fit the interpreter
 * that will load them: native modules are compiled against its node, and a venv is made by its python (its minor
 * version, at its path). A language whose image Slipway makes from the host's interpreter builds on the host under
 * bubblewrap, as the process runtime does: that image holds the host's interpreter itself, and the host has the
 * compilers native modules need; trusted steps (esbuild) run on the host too.
 *
 * <p>A step's container is confined as a build sandbox is: it runs as the build uid, with {@code build.memory} (no swap
 * beyond it), {@code build.cpus} and {@code build.pids}, a read-only root, no capabilities, {@code no-new-privileges},
 * a {@code /tmp} of {@code build.tmpSize}, and no network but the registry proxy. It may write only the step's work
 * directory (mounted at its own path, so that paths tools record stay true) and the build uid's npm cache ({@code
 * /cache}); it trusts the host's certificate bundle too (a registry behind a TLS-inspecting proxy). Its network
 * namespace is a second container's, which holds an idle interpreter: Slipway enters the {@link RegistryBridge} into
 * that namespace before the step starts in it (network mode {@code container:}), so the step's first request finds
 * the bridge listening. The step's output is framed as {@code [build]} lines; both containers are removed after it.
 * Thread-safe.
 */
public final class DockerBuilds implements BuildRunner {
    private static final Logger LOG = LoggerFactory.getLogger(DockerBuilds.class);
    /** What a build step's container is, by {@link DockerSandboxRuntime#ROLE_LABEL}. */
    static final String ROLE = "build";
    private static final Duration ATTACH_TIMEOUT = Duration.ofSeconds(30);
    private static final int SIGKILLED = 137;
    /** Where a step's container finds the host's certificate bundle. */
    private static final String HOST_CERTIFICATES = "/etc/slipway/host-ca-certificates.crt";

    private final DockerClient calls;
    private final DockerClient streams;
    private final BaseImages bases;
    private final Map<Language, Optional<String>> configured;
    private final Map<String, String> labels;
    private final BubblewrapBuilds host;
    /** The containers {@link #stopAll} removed, whose steps end as stopped, whatever exit the engine reports. */
    private final Map<String, String> stopped = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * @param labels what every step's container carries (this Slipway's owner label and the build role)
     * @param host   the runner for what builds on this host, whose build uid, npm cache, limits and proxy the steps in
     *               containers share
     */
    DockerBuilds(DockerClient calls, DockerClient streams, BaseImages bases, DockerSettings settings, Map<String, String> labels,
                 BubblewrapBuilds host) {
        this.calls = calls;
        this.streams = streams;
        this.bases = bases;
        this.configured = Map.of(Language.NODE, settings.nodeImage(), Language.PYTHON, settings.pythonImage());
        this.labels = Map.copyOf(labels);
        this.host = host;
    }

    /** In the configured image: the id the image's name points at now, and the image's own {@code npm} or {@code python3}. */
    @Override
    public BuildEnvironment environment(Language language) {
        if (configured.get(language).isEmpty()) return host.environment(language);
        String installer = switch (language) {
            case NODE -> "npm";
            case PYTHON -> bases.of(language).program();
        };
        return new BuildEnvironment(imageId(language), installer);
    }

    @Override
    public void run(BuildStep step) {
        if (step.trusted() || configured.get(step.language()).isEmpty()) {
            host.run(step);
            return;
        }
        try {
            runInContainer(step);
        } catch (BuildStepFailedException e) {
            throw e;
        } catch (RuntimeException e) {
            // The engine or the bridge failed, not the step: the build fails saying so, and the detail is in Slipway's log.
            LOG.warn("{} could not run in a container of {}", step.description(), configured.get(step.language()).get(), e);
            throw failed(step, "could not run in a container of " + configured.get(step.language()).get() + ": " + e.getMessage());
        }
    }

    private void runInContainer(BuildStep step) {
        String image = imageId(step.language());
        step.log().event(step.description() + " (in " + configured.get(step.language()).get() + ")");
        Path npmCache = host.handOver(step);
        List<String> made = new ArrayList<>();
        Process bridge = null;
        try (RegistryGateway.WayOut wayOut = host.wayOut(step)) {
            String network = "host";
            if (wayOut != null) {
                // The step's network namespace is the holder's, bridged to the registry proxy before the step starts in it.
                String holder = create(image, idle(step.language()), List.of(), step.workDir().toString(), DockerSettings.NO_ENGINE_NETWORK, List.of());
                made.add(holder);
                calls.startContainerCmd(holder).exec();
                Long pid = calls.inspectContainerCmd(holder).exec().getState().getPidLong();
                if (pid == null || pid <= 0) throw failed(step, "could not start: the container holding its network exited at once");
                bridge = host.bridgeInto(pid, wayOut);
                network = "container:" + holder;
            }
            String container = create(image, step.command(), environment(step), step.workDir().toString(), network, binds(step, npmCache));
            made.add(container);
            runToEnd(step, container);
        } finally {
            if (bridge != null) bridge.destroyForcibly();
            made.reversed().forEach(this::remove);
            made.forEach(stopped::remove);
        }
    }

    /** The step's whole environment in its container: its own, npm's cache, the proxy, and the host's trusted roots. */
    private List<String> environment(BuildStep step) {
        Map<String, String> env = new LinkedHashMap<>(step.env());
        env.put("npm_config_cache", "/cache");
        if (!host.sharesHostNetwork()) env.putAll(RegistryBridge.variables());
        RegistryBridge.hostCertificates().ifPresent(bundle -> env.putAll(RegistryBridge.trusting(HOST_CERTIFICATES)));
        return env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
    }

    /**
     * The work directory (at its own path), the npm cache, what the step may read, and the host's certificate bundle: a
     * registry reached through a TLS-inspecting proxy is trusted by the host's roots, which the image lacks.
     */
    private static List<Bind> binds(BuildStep step, Path npmCache) {
        List<Bind> binds = new ArrayList<>(List.of(new Bind(step.workDir().toString(), new Volume(step.workDir().toString()), AccessMode.rw),
                new Bind(npmCache.toString(), new Volume("/cache"), AccessMode.rw)));
        step.readOnly().forEach(dir -> binds.add(new Bind(dir.toString(), new Volume(dir.toString()), AccessMode.ro)));
        RegistryBridge.hostCertificates().ifPresent(bundle -> binds.add(new Bind(bundle.toString(), new Volume(HOST_CERTIFICATES), AccessMode.ro)));
        return binds;
    }

    /** A container of the step's, created, confined as every build is. */
    private String create(String image, List<String> command, List<String> env, String workDir, String network, List<Bind> binds) {
        BuildLimits limits = host.limits();
        long memory = limits.memory().bytes();
        HostConfig hostConfig = HostConfig.newHostConfig()
                .withNetworkMode(network)
                .withMemory(memory)
                .withMemorySwap(memory)
                .withNanoCPUs(Math.round(limits.cpus() * 1e9))
                .withPidsLimit((long) limits.pids())
                .withReadonlyRootfs(true)
                .withCapDrop(Capability.ALL)
                .withSecurityOpts(List.of("no-new-privileges"))
                .withTmpFs(AppContainers.tmpfs(calls, image, limits.tmpSize().bytes()))
                .withInit(true)
                .withLogConfig(new LogConfig(LogConfig.LoggingType.NONE))
                .withBinds(binds);
        Map<String, String> tags = new LinkedHashMap<>(labels);
        tags.put(DockerSandboxRuntime.ROLE_LABEL, ROLE);
        return calls.createContainerCmd(image)
                .withCmd(command)
                .withEnv(env.isEmpty() ? List.of("PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/tmp") : env)
                .withWorkingDir(workDir)
                .withUser(host.buildUid() + ":" + host.buildUid())
                .withLabels(tags)
                .withHostConfig(hostConfig)
                .exec().getId();
    }

    /** What holds the step's network namespace while the step runs: the image's interpreter, idle. */
    private List<String> idle(Language language) {
        String program = bases.of(language).program();
        return switch (language) {
            case NODE -> List.of(program, "-e", "setInterval(() => {}, 1 << 30)");
            case PYTHON -> List.of(program, "-c", "import signal; signal.pause()");
        };
    }

    /** Starts the step's container attached to its output and waits for its end, or kills it at its timeout. */
    private void runToEnd(BuildStep step, String container) {
        Thread pump = ContainerOutput.attach(streams, container, step.log(), LogSource.BUILD, ATTACH_TIMEOUT);
        calls.startContainerCmd(container).exec();
        Integer code;
        try {
            code = streams.waitContainerCmd(container).exec(new WaitContainerResultCallback())
                    .awaitStatusCode(step.timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (DockerClientException timedOut) {
            // Removing the container kills everything the step started; the output ends with it.
            remove(container);
            join(pump);
            throw failed(step, "timed out after " + step.timeout());
        } catch (NotFoundException e) {
            join(pump);
            throw failed(step, "was stopped: its container was removed (Slipway is stopping, or an operator removed it)");
        }
        join(pump);
        if (stopped.remove(container) != null || gone(container)) {
            throw failed(step, "was stopped: its container was removed (Slipway is stopping, or an operator removed it)");
        }
        if (code != null && code == SIGKILLED) throw failed(step, "was killed (exit code 137); it ran out of memory (build.memory)");
        if (code == null || code != 0) throw failed(step, "failed with exit code " + code);
    }

    private static BuildStepFailedException failed(BuildStep step, String how) {
        String why = step.description() + " " + how;
        step.log().event(why);
        return new BuildStepFailedException(why);
    }

    private String imageId(Language language) {
        String image = configured.get(language).orElseThrow();
        try {
            return calls.inspectImageCmd(image).exec().getId();
        } catch (NotFoundException e) {
            throw new BuildStepFailedException("the engine has no image " + image + " (docker." + language.id() + "Image): load it into "
                    + "the engine, or leave docker." + language.id() + "Image unset and Slipway makes one from the host's " + language.id());
        }
    }

    @Override
    public void sealShared(Path layer) {
        host.sealShared(layer);
    }

    @Override
    public void sealPrivate(Path layer) {
        host.sealPrivate(layer);
    }

    /** The host's steps, and every step's container of this Slipway, this run's or an earlier one's. */
    @Override
    public int stopAll(String why) {
        int count = host.stopAll(why);
        List<Container> left;
        try {
            left = calls.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(DockerSandboxRuntime.OWNER_LABEL,
                    labels.get(DockerSandboxRuntime.OWNER_LABEL), DockerSandboxRuntime.ROLE_LABEL, ROLE)).exec();
        } catch (RuntimeException e) {
            LOG.warn("cannot look for build containers to stop: {}", e.getMessage());
            return count;
        }
        for (Container container : left) {
            stopped.put(container.getId(), why);
            if (remove(container.getId())) {
                LOG.info("stopped the build container {} ({})", container.getId().substring(0, 12), why);
                count++;
            }
        }
        return count;
    }

    /** Whether the container is no longer in the engine: removed under the step, which then ended however the engine says. */
    private boolean gone(String container) {
        try {
            calls.inspectContainerCmd(container).exec();
            return false;
        } catch (NotFoundException e) {
            return true;
        }
    }

    private boolean remove(String container) {
        return DockerSandboxRuntime.removeQuietly(calls, container);
    }

    private static void join(Thread pump) {
        try {
            pump.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
