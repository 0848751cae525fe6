package io.slipway.runtime.host;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * How a build step in a network namespace of its own reaches the registry proxy, its only way out: {@code
 * 127.0.0.1:}{@value #PORT} in that namespace is bridged by {@code socat} to the proxy's unix socket, and npm and pip
 * are pointed at it by the usual proxy variables. Where the step's namespace is made before it runs (a container's),
 * the bridge is entered into it from the host's side ({@link #into}); bubblewrap starts it inside the sandbox instead.
 */
public final class RegistryBridge {
    public static final int PORT = 3128;
    private static final List<String> PROXY_VARIABLES = List.of("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy",
            "npm_config_proxy", "npm_config_https_proxy");
    private static final Duration LISTEN_TIMEOUT = Duration.ofSeconds(5);
    /** The registry connections one step may have open at once through a bridge on the host: npm opens up to 16. */
    static final int MAX_CONNECTIONS = 64;
    /** 127.0.0.1:3128 as {@code /proc/<pid>/net/tcp} writes it, and the state LISTEN. */
    private static final String LISTENING = String.format(Locale.ROOT, "0100007F:%04X 00000000:0000 0A", PORT);

    private RegistryBridge() {
    }

    /** The variables that send npm's and pip's requests to the bridge. */
    public static Map<String, String> variables() {
        return variables("http://127.0.0.1:" + PORT);
    }

    /** The variables that send npm's and pip's requests to the proxy at {@code proxyUrl} (a build pod's way to Slipway). */
    public static Map<String, String> variables(String proxyUrl) {
        Map<String, String> variables = new LinkedHashMap<>();
        PROXY_VARIABLES.forEach(name -> variables.put(name, proxyUrl));
        return variables;
    }

    /**
     * The variables that make npm and pip trust {@code bundle}, the host's roots as the step sees them: a registry
     * reached through a TLS-inspecting egress is signed by a root that only the host's bundle holds, not pip's vendored
     * certifi (Debian's pip is patched to read the system's, others are not) nor node's built-in roots.
     */
    public static Map<String, String> trusting(String bundle) {
        Map<String, String> variables = new LinkedHashMap<>();
        variables.put("PIP_CERT", bundle);
        variables.put("NODE_EXTRA_CA_CERTS", bundle);
        return variables;
    }

    /** This host's bundle of trusted roots: {@code SSL_CERT_FILE}'s, or where Debian or Fedora keep it. */
    public static java.util.Optional<Path> hostCertificates() {
        String configured = System.getenv("SSL_CERT_FILE");
        return java.util.stream.Stream.of(configured == null ? "" : configured, "/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt")
                .filter(name -> !name.isBlank()).map(Path::of).filter(Files::isRegularFile).findFirst();
    }

    /**
     * Starts the bridge inside the network namespace of the host process {@code pid} (a container's init), as {@code uid}:
     * {@code socat} enters that namespace alone, so it listens where the step connects and still sees the host's files,
     * the proxy's socket among them. Returns once it listens; destroy the process when the step is done.
     *
     * @param label the variable that marks the process as one of this Slipway's builds'
     * @throws IllegalStateException when it does not listen within 5 s (it is killed then)
     */
    public static Process into(long pid, int uid, Path socket, Path socat, Map<String, String> label) {
        // It runs on the host, outside the step's control groups: the connections it forks for are bounded here, or an
        // install script opening thousands would fill the host's process table.
        ProcessBuilder pb = new ProcessBuilder("/usr/bin/nsenter", "--net=/proc/" + pid + "/ns/net", "--setuid=" + uid, "--setgid=" + uid,
                "--", socat.toString(), "TCP4-LISTEN:" + PORT + ",bind=127.0.0.1,fork,reuseaddr,max-children=" + MAX_CONNECTIONS,
                "UNIX-CONNECT:" + socket)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().clear();
        // Labelled as the builds' processes are: after a kill -9 of Slipway, its next start finds and kills it.
        pb.environment().putAll(label);
        Process bridge;
        try {
            bridge = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the registry bridge (nsenter, socat)", e);
        }
        long deadline = System.nanoTime() + LISTEN_TIMEOUT.toNanos();
        Path sockets = Path.of("/proc", Long.toString(pid), "net", "tcp");
        try {
            while (!listening(sockets)) {
                if (!bridge.isAlive()) throw new IllegalStateException("the registry bridge exited with code " + bridge.exitValue());
                if (System.nanoTime() > deadline) throw new IllegalStateException("the registry bridge did not listen within " + LISTEN_TIMEOUT.toSeconds() + " s");
                // Polled, the way the bubblewrap bridge waits too: nothing tells when another namespace's socket listens.
                bridge.waitFor(10, TimeUnit.MILLISECONDS);
            }
            return bridge;
        } catch (InterruptedException e) {
            bridge.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the registry bridge", e);
        } catch (RuntimeException e) {
            bridge.destroyForcibly();
            throw e;
        }
    }

    private static boolean listening(Path sockets) {
        try {
            return Files.readAllLines(sockets).stream().anyMatch(line -> line.contains(LISTENING));
        } catch (IOException e) {
            throw new UncheckedIOException("the build's container is gone: cannot read " + sockets, e);
        }
    }
}
