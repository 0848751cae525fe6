package io.slipway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.slipway.config.SlipwayConfig.ProxySettings;
import io.vertx.core.transport.Transport;
import org.junit.jupiter.api.Test;

class NetworkTransportsTest {
    @Test
    void autoTakesIoUringWhereTheKernelAllowsItElseEpollElseNio() {
        Transport chosen = NetworkTransports.choose(ProxySettings.Transport.AUTO);

        Transport best = Transport.IO_URING.available() ? Transport.IO_URING : Transport.EPOLL.available() ? Transport.EPOLL : Transport.NIO;
        assertThat(chosen).isSameAs(best);
        assertThat(NetworkTransports.fallbackReason(ProxySettings.Transport.AUTO, chosen).isEmpty()).isEqualTo(chosen == Transport.IO_URING);
    }

    @Test
    void aTransportNamedIsTakenOrRefusedWithItsCause() {
        assertThat(NetworkTransports.choose(ProxySettings.Transport.NIO)).isSameAs(Transport.NIO);
        assertThat(NetworkTransports.fallbackReason(ProxySettings.Transport.NIO, Transport.NIO)).isEmpty();
        for (var named : new ProxySettings.Transport[] {ProxySettings.Transport.IO_URING, ProxySettings.Transport.EPOLL}) {
            Transport netty = named == ProxySettings.Transport.IO_URING ? Transport.IO_URING : Transport.EPOLL;
            if (netty.available()) {
                assertThat(NetworkTransports.choose(named)).isSameAs(netty);
            } else {
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> NetworkTransports.choose(named))
                        .hasMessageContaining("unavailable here").hasMessageContaining("set proxy.transport to auto");
            }
        }
    }
}
