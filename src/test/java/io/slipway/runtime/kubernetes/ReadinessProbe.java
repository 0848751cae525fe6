package io.slipway.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Probe;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A container's {@code readinessProbe}, run as the kubelet runs it: every {@code periodSeconds} (default 10) after
 * {@code initialDelaySeconds}, each try given {@code timeoutSeconds} (default 1); ready after {@code successThreshold}
 * successes in a row (1), not ready after {@code failureThreshold} failures in a row (3).
 * <ul>
 * <li>{@code httpGet}: from the host, at the pod's address and the port (published there), a status of 200–399.</li>
 * <li>{@code tcpSocket}: a TCP connect from inside the container's network namespace ({@code nsenter}) to its own
 * address there, slirp4netns' {@value #GUEST_ADDRESS}, as a node connects to {@code podIP:port}. Not from the host:
 * podman's port publisher accepts every connection itself, and then closes it when the container refuses, so a connect
 * there succeeds whether the app listens or not (measured).</li>
 * </ul>
 * {@code exec} and {@code grpc} probes always fail. Not thread-safe: its pod's worker uses it.
 */
final class ReadinessProbe {
    /** The container's address on its slirp4netns network (podman keeps slirp4netns' default). */
    static final String GUEST_ADDRESS = "10.0.2.100";

    private final Probe probe;
    private final Container container;
    private final InetAddress podIp;
    private final long hostPid;
    private int successes;
    private int failures;
    private boolean ready;

    /** @param hostPid the container's PID 1 as the host sees it */
    ReadinessProbe(Probe probe, Container container, InetAddress podIp, long hostPid) {
        this.probe = probe;
        this.container = container;
        this.podIp = podIp;
        this.hostPid = hostPid;
    }

    Duration initialDelay() {
        return Duration.ofSeconds(probe.getInitialDelaySeconds() == null ? 0 : probe.getInitialDelaySeconds());
    }

    Duration period() {
        return Duration.ofSeconds(probe.getPeriodSeconds() == null ? 10 : probe.getPeriodSeconds());
    }

    /** Runs the probe once; whether the container is ready after it. */
    boolean probe() {
        if (tryOnce()) {
            failures = 0;
            if (++successes >= threshold(probe.getSuccessThreshold(), 1)) ready = true;
        } else {
            successes = 0;
            if (++failures >= threshold(probe.getFailureThreshold(), 3)) ready = false;
        }
        return ready;
    }

    private static int threshold(Integer value, int otherwise) {
        return value == null ? otherwise : value;
    }

    private boolean tryOnce() {
        Duration timeout = Duration.ofSeconds(probe.getTimeoutSeconds() == null ? 1 : probe.getTimeoutSeconds());
        if (probe.getHttpGet() != null) return httpGet(port(probe.getHttpGet().getPort()), probe.getHttpGet().getPath(), timeout);
        if (probe.getTcpSocket() != null) return tcpConnect(port(probe.getTcpSocket().getPort()), timeout);
        return false;
    }

    private boolean httpGet(int port, String path, Duration timeout) {
        try {
            URI uri = URI.create("http://" + podIp.getHostAddress() + ":" + port + (path == null || path.isEmpty() ? "/" : path));
            HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection();
            connection.setConnectTimeout((int) timeout.toMillis());
            connection.setReadTimeout((int) timeout.toMillis());
            try {
                int code = connection.getResponseCode();
                return code >= 200 && code < 400;
            } finally {
                connection.disconnect();
            }
        } catch (IOException e) {
            return false;
        }
    }

    private boolean tcpConnect(int port, Duration timeout) {
        try {
            Process connect = new ProcessBuilder("nsenter", "--net=/proc/" + hostPid + "/ns/net", "--", "timeout", Long.toString(Math.max(1, timeout.toSeconds())),
                    "bash", "-c", "exec 3<>/dev/tcp/" + GUEST_ADDRESS + "/" + port).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!connect.waitFor(timeout.toMillis() + 2000, TimeUnit.MILLISECONDS)) {
                connect.destroyForcibly();
                return false;
            }
            return connect.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** A port by number, or by the name of one of the container's ports. */
    private int port(IntOrString port) {
        if (port.getIntVal() != null) return port.getIntVal();
        return container.getPorts().stream().filter(p -> port.getStrVal().equals(p.getName())).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("container " + container.getName() + " has no port named " + port.getStrVal()))
                .getContainerPort();
    }
}
