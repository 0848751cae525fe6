package io.slipway.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A host on this machine for egress tests: a network namespace the test creates, joined to the host by a veth pair,
 * with an HTTP server on port 8080. It has a documentation address that stands for "the internet"
 * ({@link #PUBLIC_ADDRESS}, TEST-NET-2) and a private one ({@link #PRIVATE_ADDRESS}) that sandboxes must not reach.
 * No packet of these tests leaves the machine.
 */
public final class TestHost implements AutoCloseable {
    public static final String PUBLIC_ADDRESS = "198.51.100.2";
    public static final String HOST_SIDE_ADDRESS = "198.51.100.1";
    public static final String PRIVATE_ADDRESS = "10.213.0.2";
    public static final int PORT = 8080;

    private final String namespace;
    private final String hostInterface;
    private final Process server;

    private TestHost(String namespace, String hostInterface, Process server) {
        this.namespace = namespace;
        this.hostInterface = hostInterface;
        this.server = server;
    }

    public static TestHost start(Path webRoot) throws IOException {
        String suffix = Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000, 0xfffff));
        String namespace = "swtest-" + suffix;
        String hostInterface = "swt" + suffix;
        run("ip", "netns", "add", namespace);
        run("ip", "link", "add", hostInterface, "type", "veth", "peer", "name", "eth0", "netns", namespace);
        run("ip", "addr", "add", HOST_SIDE_ADDRESS + "/24", "dev", hostInterface);
        run("ip", "addr", "add", "10.213.0.1/24", "dev", hostInterface);
        run("ip", "link", "set", hostInterface, "up");
        for (List<String> inside : List.of(List.of("ip", "addr", "add", PUBLIC_ADDRESS + "/24", "dev", "eth0"),
                List.of("ip", "addr", "add", PRIVATE_ADDRESS + "/24", "dev", "eth0"), List.of("ip", "link", "set", "eth0", "up"),
                List.of("ip", "link", "set", "lo", "up"), List.of("ip", "route", "add", "default", "via", HOST_SIDE_ADDRESS))) {
            run(concat(List.of("ip", "netns", "exec", namespace), inside));
        }
        Files.writeString(webRoot.resolve("index.html"), "hello from the test host\n");
        Process server = new ProcessBuilder("ip", "netns", "exec", namespace, "/usr/bin/python3", "-m", "http.server",
                Integer.toString(PORT), "--bind", "0.0.0.0", "--directory", webRoot.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        return new TestHost(namespace, hostInterface, server);
    }

    public String namespace() {
        return namespace;
    }

    @Override
    public void close() {
        server.destroyForcibly();
        try {
            server.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        runQuietly("ip", "link", "del", hostInterface);
        runQuietly("ip", "netns", "del", namespace);
    }

    private static String[] concat(List<String> a, List<String> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toArray(String[]::new);
    }

    private static void run(List<String> command) {
        run(command.toArray(String[]::new));
    }

    private static void run(String... command) {
        if (!runQuietly(command)) throw new IllegalStateException("failed: " + String.join(" ", command));
    }

    private static boolean runQuietly(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            boolean ok = p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
            if (!ok) System.err.println(String.join(" ", command) + ": " + out);
            return ok;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
