package io.slipway.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A Docker-API-compatible engine of the test's own: {@code podman system service} on a unix socket in a temp dir, with
 * its configuration and its whole storage there too, so that it shares nothing with any other engine of the machine.
 * Installs {@code podman} and {@code runc} with apt-get when they are missing. The settings are those measured to work
 * here (DESIGN §9): runc (crun fails on this cgroup layout), cgroupfs, no default ulimits, file events; its own
 * {@code tmp_dir} too, where podman would otherwise share {@code /run/libpod} with every podman of the machine. {@link #close()}
 * removes every container it made, stops the service, unmounts its storage and deletes the temp dir.
 */
public final class PodmanEngine implements AutoCloseable {
    private final Path dir;
    private final Path socket;
    private final Process service;

    private PodmanEngine(Path dir, Path socket, Process service) {
        this.dir = dir;
        this.socket = socket;
        this.service = service;
    }

    /** Starts an engine and waits (10 s at most) for it to answer {@code /_ping}. */
    public static PodmanEngine start() {
        installIfMissing();
        try {
            Path dir = Files.createTempDirectory("podman-");
            Path containersConf = Files.writeString(dir.resolve("containers.conf"), """
                    [containers]
                    default_ulimits = []
                    [engine]
                    runtime = "runc"
                    cgroup_manager = "cgroupfs"
                    events_logger = "file"
                    tmp_dir = "%s"
                    """.formatted(dir.resolve("libpod")));
            Path storageConf = Files.writeString(dir.resolve("storage.conf"), """
                    [storage]
                    driver = "overlay"
                    graphroot = "%s"
                    runroot = "%s"
                    """.formatted(dir.resolve("graph"), dir.resolve("run")));
            Path socket = dir.resolve("podman.sock");
            // In the temp dir: conmon writes a file named "oom" into its working directory when a container is OOM-killed.
            ProcessBuilder pb = new ProcessBuilder("podman", "system", "service", "--time=0", "unix://" + socket).directory(dir.toFile())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("service.log").toFile());
            // For the service alone: the test JVM and its other children keep the machine's configuration.
            pb.environment().put("CONTAINERS_CONF", containersConf.toString());
            pb.environment().put("CONTAINERS_STORAGE_CONF", storageConf.toString());
            PodmanEngine engine = new PodmanEngine(dir, socket, pb.start());
            try {
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(engine::answersPing);
            } catch (RuntimeException e) {
                String log = Files.exists(dir.resolve("service.log")) ? Files.readString(dir.resolve("service.log")) : "";
                engine.close();
                throw new IllegalStateException("podman's service did not come up: " + log, e);
            }
            return engine;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start podman's service", e);
        }
    }

    /** The engine's address, as {@code docker.host} takes it. */
    public URI host() {
        return URI.create("unix://" + socket);
    }

    /** A raw HTTP/1.0 request to the engine's API; the whole response, status line and headers included. */
    public String request(String method, String path) {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            channel.write(ByteBuffer.wrap((method + " " + path + " HTTP/1.0\r\nHost: d\r\n\r\n").getBytes(StandardCharsets.US_ASCII)));
            return new String(java.nio.channels.Channels.newInputStream(channel).readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot reach the engine at " + socket, e);
        }
    }

    private boolean answersPing() {
        if (!service.isAlive()) throw new IllegalStateException("podman's service exited with code " + service.exitValue());
        try {
            return request("GET", "/_ping").matches("(?s)HTTP/1\\.[01] 200 .*");
        } catch (UncheckedIOException e) {
            return false;
        }
    }

    @Override
    public void close() {
        try {
            if (service.isAlive()) removeContainers();
        } finally {
            service.destroy();
            try {
                if (!service.waitFor(10, TimeUnit.SECONDS)) service.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            unmountStorage();
            deleteQuietly(dir);
        }
    }

    /** Every container the service holds is one of this engine's: all of its storage is the temp dir. */
    private void removeContainers() {
        String list = request("GET", "/containers/json?all=true");
        for (String id : list.split("\"Id\":\"")) {
            if (id.length() < 64 || !id.substring(0, 64).matches("[0-9a-f]{64}")) continue;
            request("DELETE", "/containers/" + id.substring(0, 64) + "?force=true");
        }
    }

    /** Whatever of the storage is still mounted (overlay layers, shm), the deepest first. */
    private void unmountStorage() {
        try {
            List<String> mounts = new ArrayList<>();
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                String point = line.split(" ")[4].replace("\\040", " ");
                if (point.startsWith(dir.toString() + "/")) mounts.add(point);
            }
            mounts.sort(Comparator.comparingInt(String::length).reversed());
            for (String point : mounts) new ProcessBuilder("umount", "-l", point).redirectErrorStream(true).start().waitFor(10, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unmount podman's storage under " + dir, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void deleteQuietly(Path root) {
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // what is left is in a temp dir
        }
    }

    private static void installIfMissing() {
        if (onPath("podman") && onPath("runc")) return;
        try {
            if (apt("install", "-y", "-qq", "podman", "runc") != 0 && (apt("update", "-qq") != 0 || apt("install", "-y", "-qq", "podman", "runc") != 0)) {
                throw new IllegalStateException("cannot install podman and runc with apt-get: run 'apt-get install podman runc' as root");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run apt-get to install podman and runc", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static int apt(String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("apt-get"));
        command.addAll(List.of(arguments));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
        Process p = pb.start();
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }

    private static boolean onPath(String tool) {
        return Stream.of("/usr/bin", "/usr/sbin", "/usr/local/bin", "/bin", "/sbin").anyMatch(d -> Files.isExecutable(Path.of(d, tool)));
    }
}
