package io.slipway.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Version;
import io.slipway.app.DataDir;
import io.slipway.config.SlipwayConfig.SandboxSettings;
import io.slipway.runtime.ArtifactSource;
import io.slipway.runtime.BuildRunner;
import io.slipway.runtime.process.BubblewrapBuilds;
import io.slipway.runtime.Leftovers;
import io.slipway.runtime.NetworkPolicy;
import io.slipway.runtime.Preflight;
import io.slipway.runtime.RuntimeCapabilities;
import io.slipway.runtime.Sandbox;
import io.slipway.runtime.SandboxRuntime;
import io.slipway.runtime.SandboxSpec;
import io.slipway.runtime.SandboxStartException;
import io.slipway.runtime.host.SandboxNetwork;
import io.slipway.runtime.host.AppStorage;
import io.slipway.runtime.host.HostUids;
import io.slipway.sandbox.HostTools;
import io.slipway.sandbox.SandboxLabel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs each app in a container of a Docker Engine API (dockerd, or podman's compatible service), driven by
 * docker-java. The container runs the artifact's own image ({@link ArtifactImages}) as the app's own unprivileged host
 * uid ({@link HostUids}, shared with the process runtime's claims: the kernel's per-user limits, such as inotify
 * instances and message queue bytes, are no namespace's, and apps running as one uid would share them), with a
 * read-only root, no capabilities, {@code no-new-privileges}, the limits in its {@code HostConfig} (memory with no swap
 * beyond it, CPU, pids) and a tmpfs {@code /tmp}; it carries the spec's labels and {@value #OWNER_LABEL} naming this
 * Slipway's data dir, by which a later run finds what this one left.
 *
 * <p>The engine never touches the network: containers are created with network mode {@code none}, and once started
 * Slipway links each one's network namespace to the host itself, as the process runtime does its sandboxes, with a veth
 * pair behind its firewall ({@link SandboxNetwork}); the proxy dials the container's address on that link. So the engine
 * must run on Slipway's own host and Slipway as root, which {@link #check()} says when they do not.
 */
public final class DockerSandboxRuntime implements SandboxRuntime {
    /** The label naming the Slipway (by its data dir's {@link SandboxLabel}) whose containers and images these are. */
    public static final String OWNER_LABEL = "io.slipway.owner";
    /** What a container is for: {@code app}, or {@code image} for one that an image is made in. */
    public static final String ROLE_LABEL = "io.slipway.role";
    /** The oldest Docker API with everything the containers' HostConfig uses (Init, NanoCpus, PidsLimit). */
    static final String MINIMUM_API = "1.25";
    private static final Logger LOG = LoggerFactory.getLogger(DockerSandboxRuntime.class);

    private final DockerSettings settings;
    private final String label;
    private final EngineClients engine;
    private final DockerClient calls;
    private final BaseImages bases;
    private final ArtifactImages images;
    private final AppContainers containers;
    private final boolean egress;
    private final Optional<String> unlinkable;
    private final SandboxNetwork network;
    private final HostUids uids;
    private final AppStorage storage;
    private volatile boolean closed;

    /**
     * Connects to the engine (lazily: an engine that is down is reported by {@link #check()}, not here) and, when the
     * engine is on this host and Slipway is root, installs the sandboxes' firewall; {@link #close()} removes it.
     *
     * @param sandbox what the docker runtime shares with the process runtime: {@code tmpSize}, {@code egress},
     *                {@code egressSubnet} and {@code egressDns}
     * @param tools   the host's {@code node} and {@code python3}, which base images are made from unless configured
     * @param uids    this Slipway's host uids, one per app; null only where no container can start anyway (an engine over
     *                TCP, Slipway not root), as {@link #check()} says
     */
    public DockerSandboxRuntime(DockerSettings settings, SandboxSettings sandbox, DataDir dataDir, ArtifactSource artifacts, HostTools tools,
                                HostUids uids) {
        this.settings = settings;
        this.label = SandboxLabel.of(dataDir.root());
        this.engine = EngineClients.of(settings.host());
        this.calls = engine.calls();
        this.bases = new BaseImages(calls, engine.raw(), settings.nodeImage(), settings.pythonImage(), tools);
        this.images = new ArtifactImages(calls, artifacts, Map.of(OWNER_LABEL, label, ROLE_LABEL, "image"), settings.maxLayerSize());
        this.egress = sandbox.egress() == SandboxSettings.Egress.NAT;
        this.containers = new AppContainers(calls, sandbox, Map.of(OWNER_LABEL, label, ROLE_LABEL, "app"), resolvConf(dataDir, sandbox),
                readableByAll(dataDir.root().resolve("container-hosts"), "127.0.0.1 localhost\n::1 localhost\n"));
        this.unlinkable = whyUnlinkable(settings);
        this.uids = unlinkable.isEmpty() ? Objects.requireNonNull(uids, "uids") : uids;
        this.network = unlinkable.isEmpty() ? SandboxNetwork.setUp(label, sandbox.egressSubnet(), egress) : null;
        this.storage = unlinkable.isEmpty() ? AppStorage.of(dataDir) : null;
    }

    /**
     * The resolvers of apps allowed the internet: {@code sandbox.egressDns} (written into the data dir, as the process
     * runtime does), or else the host's own, which may be on an address sandboxes cannot reach.
     */
    private static Path resolvConf(DataDir dataDir, SandboxSettings sandbox) {
        if (sandbox.egress() != SandboxSettings.Egress.NAT || sandbox.egressDns().isEmpty()) return Path.of("/etc/resolv.conf");
        return readableByAll(dataDir.root().resolve("egress-resolv.conf"), "nameserver " + sandbox.egressDns() + "\n");
    }

    /** Writes a file the containers mount (read-only), which their unprivileged users read. */
    private static Path readableByAll(Path file, String content) {
        try {
            Files.writeString(file, content);
            Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the containers' " + file.getFileName(), e);
        }
    }

    /** Why Slipway cannot link this engine's containers to its own network, if it cannot. */
    private static Optional<String> whyUnlinkable(DockerSettings settings) {
        if (!"unix".equals(settings.host().getScheme())) {
            // Over TCP (or HTTP) the engine may well be this host's, but nothing says so: its containers' pids are not
            // known to be in this host's pid namespace.
            return Optional.of("docker.host is " + settings.host() + ", an engine Slipway reaches over TCP: its containers may run on another "
                    + "machine, where Slipway cannot link them to its network and firewall. Run Slipway on the engine's host with "
                    + "docker.host=unix:///var/run/docker.sock (or podman's socket)");
        }
        if (!isRoot()) {
            return Optional.of("Slipway runs as uid " + uid() + ": linking containers to its network and firewall needs root. Run Slipway "
                    + "as root, or use the process runtime");
        }
        return Optional.empty();
    }

    @Override
    public String name() {
        return "docker";
    }

    @Override
    public RuntimeCapabilities capabilities() {
        return new RuntimeCapabilities(egress, true, true, false);
    }

    @Override
    public Sandbox start(SandboxSpec spec) {
        try {
            if (unlinkable.isPresent()) throw new IllegalStateException(unlinkable.get());
            boolean internet = spec.network() == NetworkPolicy.INTERNET;
            if (internet && !egress) throw new IllegalStateException("the app may reach the internet, but sandbox.egress is none on this Slipway");
            long begun = System.nanoTime();
            BaseImages.Interpreter base = bases.of(spec.artifact().language());
            String image = image(spec, base);
            long imaged = System.nanoTime();
            // The app's /data, mounted on this host (the engine's) and bound into the container: real ENOSPC at its size.
            Path data = spec.limits().hasStorage() ? storage.attach(spec.appId(), uids.uidOf(spec.appId()), spec.limits().storage()) : null;
            Runnable release = data == null ? () -> { } : () -> storage.detach(spec.appId());
            String container;
            try {
                container = containers.create(spec, image, base, uids.uidOf(spec.appId()), data);
            } catch (RuntimeException e) {
                release.run();
                throw e;
            }
            long created = System.nanoTime();
            try {
                Sandbox sandbox = run(spec, container, internet, release);
                LOG.debug("started {}: image {} ms, create {} ms, attach, start and link {} ms", spec.appId(), (imaged - begun) / 1_000_000,
                        (created - imaged) / 1_000_000, (System.nanoTime() - created) / 1_000_000);
                return sandbox;
            } catch (RuntimeException e) {
                removeQuietly(container);
                release.run();
                throw e;
            }
        } catch (RuntimeException e) {
            throw new SandboxStartException("cannot start the sandbox of " + spec.appId() + ": " + e.getMessage(), e);
        }
    }

    private String image(SandboxSpec spec, BaseImages.Interpreter base) {
        try {
            return images.of(spec.appId(), spec.artifact(), base);
        } catch (NotFoundException e) {
            // The base image was removed from the engine while Slipway ran (an operator's prune): made again.
            return images.of(spec.appId(), spec.artifact(), bases.forget(spec.artifact().language()));
        }
    }

    /** Attaches to its output, starts it, and links its network namespace to the host; {@code release} runs once it has exited. */
    private Sandbox run(SandboxSpec spec, String container, boolean internet, Runnable release) {
        Thread pump = ContainerOutput.attach(engine.streams(), container, spec.log(), Duration.ofSeconds(30));
        calls.startContainerCmd(container).exec();
        InspectContainerResponse.ContainerState state = calls.inspectContainerCmd(container).exec().getState();
        Long pid = state.getPidLong();
        if (pid == null || pid <= 0 || !Boolean.TRUE.equals(state.getRunning())) return exitedAtOnce(spec, container, pump, release);
        SandboxNetwork.Link link;
        try {
            link = network.attach(pid, internet);
        } catch (RuntimeException e) {
            if (!Boolean.TRUE.equals(calls.inspectContainerCmd(container).exec().getState().getRunning())) {
                return exitedAtOnce(spec, container, pump, release);
            }
            throw e;
        }
        InetSocketAddress address = new InetSocketAddress(link.sandboxAddress(), AppContainers.PORT);
        return new DockerSandbox(spec.appId(), container, calls, engine.streams(), address, pid, spec.log(), pump, () -> {
            network.detach(link);
            release.run();
        }, () -> !closed);
    }

    /**
     * An app that exited before its network could be linked took its namespace with it: what matters is its exit, which
     * the lifecycle reports with its log. Port 0 of 0.0.0.0 refuses every connection.
     */
    private Sandbox exitedAtOnce(SandboxSpec spec, String container, Thread pump, Runnable release) {
        return new DockerSandbox(spec.appId(), container, calls, engine.streams(), new InetSocketAddress("0.0.0.0", 0), 0, spec.log(), pump, release, () -> !closed);
    }

    /**
     * The runner of this runtime's builds: steps for a language with a configured image run in containers of it ({@link
     * DockerBuilds}), so that what they install fits that image's interpreter; the rest run on {@code onHost}, whose
     * build uid, npm cache, limits and registry proxy the containers share.
     */
    public BuildRunner builds(BubblewrapBuilds onHost) {
        if (settings.nodeImage().isEmpty() && settings.pythonImage().isEmpty()) return onHost;
        return new DockerBuilds(calls, engine.streams(), bases, settings, Map.of(OWNER_LABEL, label), onHost);
    }

    /** The app is deleted: its {@code /data} goes, and the images made for it, those no other app's container uses; and its uid is free. */
    @Override
    public void forget(String appId) {
        if (storage != null) storage.delete(appId);
        images.forget(appId);
        if (uids != null) uids.release(appId);
    }

    /**
     * Removes every container labelled with this Slipway's data dir, running or not, apps' and images' alike: a
     * container cannot be handed to a new run with its output and exit still followed, and every app comes back asleep
     * after a restart anyway. Containers of other Slipways (another data dir's label) are left alone. The images and
     * uids of apps deleted meanwhile (while the engine was down, say) go too.
     */
    @Override
    public Leftovers adoptOrReap(Set<String> knownApps) {
        int reaped = 0;
        for (Container container : ours()) {
            if (removeQuietly(container.getId())) {
                LOG.info("removed the container {} of {}, left by an earlier run", container.getId().substring(0, 12),
                        container.getLabels().getOrDefault(SandboxSpec.APP_LABEL, "no app"));
                reaped++;
            }
        }
        if (storage != null) {
            int unmounted = storage.reapLeftovers(knownApps);
            if (unmounted > 0) LOG.info("unmounted the /data of {} apps, left mounted by an earlier run", unmounted);
        }
        int images = this.images.forgetAllBut(knownApps);
        if (images > 0) LOG.info("removed {} images of apps that no longer exist", images);
        if (uids != null) {
            int released = uids.retainOnly(knownApps);
            if (released > 0) LOG.info("released the uids of {} apps deleted while Slipway was down", released);
        }
        return new Leftovers(0, reaped);
    }

    @Override
    public java.util.OptionalLong storageUsed(String appId) {
        return storage == null ? java.util.OptionalLong.empty() : storage.used(appId);
    }

    private List<Container> ours() {
        return calls.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(OWNER_LABEL, label)).exec();
    }

    private boolean removeQuietly(String container) {
        return removeQuietly(calls, container);
    }

    /**
     * Removes a container of Slipway's, running or not, with its anonymous volumes: true when it did, false when the
     * container was gone already or the engine refused (which is logged).
     */
    static boolean removeQuietly(DockerClient calls, String container) {
        try {
            calls.removeContainerCmd(container).withForce(true).withRemoveVolumes(true).exec();
            return true;
        } catch (NotFoundException e) {
            return false;
        } catch (RuntimeException e) {
            LOG.warn("cannot remove the container {}: {}", container, e.getMessage());
            return false;
        }
    }

    /**
     * The engine answers ({@code /_ping}) and says its version; its containers can be linked to this host's network
     * (a local socket, Slipway as root); the firewall is as it was installed; the configured images exist.
     */
    @Override
    public Preflight check() {
        List<String> problems = new ArrayList<>();
        unlinkable.ifPresent(problems::add);
        try {
            calls.pingCmd().exec();
            Version version = calls.versionCmd().exec();
            if (!supported(version.getApiVersion())) {
                problems.add("the container engine at " + settings.host() + " speaks Docker API " + version.getApiVersion() + " (engine "
                        + version.getVersion() + "); Slipway needs " + MINIMUM_API + " or later (Init, NanoCpus, PidsLimit): upgrade the engine");
            }
            problems.addAll(bases.problems());
        } catch (RuntimeException e) {
            problems.add("the container engine at " + settings.host() + " does not answer (" + rootCause(e) + "): start dockerd or "
                    + "'podman system service', or point docker.host (SLIPWAY_DOCKER_HOST) at its socket");
        }
        if (network != null) problems.addAll(network.check());
        return new Preflight(problems);
    }

    /** The engine's name and version, for Slipway's start-up log. */
    public String engine() {
        Version version = calls.versionCmd().exec();
        String name = version.getComponents() == null ? "Docker Engine" : version.getComponents().stream().findFirst()
                .map(c -> c.getName()).orElse("Docker Engine");
        return name + " " + version.getVersion() + " (API " + version.getApiVersion() + ") at " + settings.host();
    }

    /** Whether an API version ("1.41") is at least {@value #MINIMUM_API}. */
    static boolean supported(String apiVersion) {
        String[] parts = String.valueOf(apiVersion).split("\\.");
        try {
            int major = Integer.parseInt(parts[0]);
            int minor = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
            return major > 1 || (major == 1 && minor >= Integer.parseInt(MINIMUM_API.substring(2)));
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static String rootCause(Throwable e) {
        while (e.getCause() != null && e.getCause() != e) e = e.getCause();
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** Removes the firewall this runtime installed and closes the engine's clients. Call after every sandbox stopped. */
    @Override
    public void close() {
        closed = true;
        if (storage != null) storage.unmountAll();
        if (network != null) network.tearDown();
        engine.close();
    }

    private static boolean isRoot() {
        return uid() == 0;
    }

    private static int uid() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException | UnsupportedOperationException e) {
            return -1;
        }
    }
}
