import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Docker-API-compatible engine for the benchmarks' docker runtime: {@code podman system service} on a unix socket in
 * {@code dir}, with its configuration and storage there too, so that it shares nothing with any other engine on the
 * machine (the tests' {@code PodmanEngine} does the same, with DESIGN §9's settings: runc, cgroupfs, no default ulimits,
 * file events). {@link #close()} removes its containers, stops the service by its pid and unmounts what its storage
 * left mounted; the caller deletes {@code dir}. Needs root, podman and runc.
 */
public final class Podman implements AutoCloseable {
    private final Path dir;
    private final Path socket;
    private final Process service;

    private Podman(Path dir, Path socket, Process service) {
        this.dir = dir;
        this.socket = socket;
        this.service = service;
    }

    /** Starts the service in {@code dir} (created) and waits, 10 s at most, for it to answer {@code /_ping}. */
    public static Podman start(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
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
        // Run in dir: conmon writes a file named "oom" into its working directory when a container is OOM-killed.
        ProcessBuilder pb = new ProcessBuilder("podman", "system", "service", "--time=0", "unix://" + socket).directory(dir.toFile())
                .redirectErrorStream(true).redirectOutput(dir.resolve("service.log").toFile());
        pb.environment().put("CONTAINERS_CONF", containersConf.toString());
        pb.environment().put("CONTAINERS_STORAGE_CONF", storageConf.toString());
        Podman podman = new Podman(dir, socket, pb.start());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!podman.answersPing()) {
            if (!podman.service.isAlive() || System.nanoTime() > deadline) {
                podman.close();
                throw new IllegalStateException("podman's service did not come up: " + Files.readString(dir.resolve("service.log")));
            }
            Thread.sleep(20);
        }
        return podman;
    }

    /** The engine's address, as {@code SLIPWAY_DOCKER_HOST} and {@code DockerSettings} take it. */
    public URI host() {
        return URI.create("unix://" + socket);
    }

    public long pid() {
        return service.pid();
    }

    private boolean answersPing() {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            channel.write(ByteBuffer.wrap("GET /_ping HTTP/1.0\r\nHost: d\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
            String head = new String(java.nio.channels.Channels.newInputStream(channel).readNBytes(12), StandardCharsets.US_ASCII);
            return head.matches("HTTP/1\\.[01] 200");
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        try {
            // Whatever the runtimes left: every container of this service is the benchmark's, all its storage is in dir.
            if (service.isAlive()) {
                new ProcessBuilder("podman", "--remote", "--url", host().toString(), "rm", "--all", "--force").redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(60, TimeUnit.SECONDS);
            }
        } finally {
            service.destroy();
            if (!service.waitFor(10, TimeUnit.SECONDS)) service.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            unmountStorage();
        }
    }

    /** What of the storage is still mounted (the overlay driver's own mount, containers' shm), the deepest first. */
    private void unmountStorage() throws IOException, InterruptedException {
        List<String> mounts = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String point = line.split(" ")[4].replace("\\040", " ");
            if (point.startsWith(dir + "/")) mounts.add(point);
        }
        mounts.sort(Comparator.comparingInt(String::length).reversed());
        for (String point : mounts) new ProcessBuilder("umount", "-l", point).redirectErrorStream(true).start().waitFor(10, TimeUnit.SECONDS);
    }
}
