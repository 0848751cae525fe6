package io.slipway.runtime.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class ListeningSocketsTest {
    @Test
    void readsListeningSocketsOfBothTablesAndSkipsConnections() {
        List<String> tcp = List.of(
                "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
                "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 200000        0 1 1 0000000000000000 100 0 0 10 0",
                "   1: 00000000:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000 200000        0 2 1 0000000000000000 100 0 0 10 0",
                "   2: 0200FE64:1F40 0100FE64:A1B2 01 00000000:00000000 00:00000000 00000000 200000        0 3 1 0000000000000000 20 4 30 10 -1");
        List<String> tcp6 = List.of(
                "  sl  local_address                         remote_address                        st tx_queue rx_queue",
                "   0: 00000000000000000000000001000000:0BB8 00000000000000000000000000000000:0000 0A 00000000:00000000");

        assertThat(ListeningSockets.parse(tcp)).containsExactly(
                new InetSocketAddress("127.0.0.1", 8080), new InetSocketAddress("0.0.0.0", 8000));
        assertThat(ListeningSockets.parse(tcp6)).containsExactly(new InetSocketAddress("::1", 3000));
    }

    @Test
    void aProcessThatIsGoneListensOnNothing() {
        assertThat(ListeningSockets.of(Long.MAX_VALUE)).isEmpty();
    }
}
