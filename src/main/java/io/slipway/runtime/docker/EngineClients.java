package io.slipway.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import com.github.dockerjava.transport.DockerHttpClient;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runtime's connections to its engine. Calls that answer at once (create, start, inspect, copy, commit, import)
 * have two minutes; waiting for a container's exit and following its output last as long as the container, and have
 * no response timeout, on a client of their own. Both connect within 5 s. docker-java reads TLS settings
 * ({@code DOCKER_TLS_VERIFY}, {@code DOCKER_CERT_PATH}) from the environment for a {@code tcp://} engine.
 *
 * @param calls   the client for short calls
 * @param streams the client for calls that last as long as a container
 * @param raw     the transport under {@code calls}, for the requests docker-java gets wrong (image import)
 */
record EngineClients(DockerClient calls, DockerClient streams, DockerHttpClient raw) implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EngineClients.class);

    /**
     * Clients of the engine at {@code host}; nothing is sent until the first call. docker-java knows {@code tcp://}
     * only: an {@code http(s)://} engine is reached as {@code tcp://}, TLS coming from the environment as for any.
     */
    static EngineClients of(URI host) {
        String address = host.getScheme().startsWith("http") ? "tcp" + host.toString().substring(host.getScheme().length()) : host.toString();
        var config = DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost(address).build();
        DockerHttpClient shortCalls = new ApacheDockerHttpClient.Builder().dockerHost(config.getDockerHost()).sslConfig(config.getSSLConfig())
                .connectionTimeout(Duration.ofSeconds(5)).responseTimeout(Duration.ofMinutes(2)).build();
        DockerHttpClient longCalls = new ApacheDockerHttpClient.Builder().dockerHost(config.getDockerHost()).sslConfig(config.getSSLConfig())
                .connectionTimeout(Duration.ofSeconds(5)).build();
        return new EngineClients(DockerClientImpl.getInstance(config, shortCalls), DockerClientImpl.getInstance(config, longCalls), shortCalls);
    }

    @Override
    public void close() {
        for (DockerClient client : List.of(calls, streams)) {
            try {
                client.close();
            } catch (IOException e) {
                LOG.debug("closing a client of the engine: {}", e.toString());
            }
        }
    }
}
