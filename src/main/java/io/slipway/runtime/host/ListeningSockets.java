package io.slipway.runtime.host;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The TCP sockets listening in a process's network namespace, read from {@code /proc/<pid>/net/tcp} and {@code tcp6}
 * (see proc(5)): what an app that never answered actually listens on, for the hint in its failure.
 */
public final class ListeningSockets {
    private static final String LISTEN = "0A";

    private ListeningSockets() {
    }

    /** The listening addresses in the namespace of {@code pid}; empty when it cannot be read (the process is gone). */
    public static List<InetSocketAddress> of(long pid) {
        List<InetSocketAddress> sockets = new ArrayList<>();
        for (String table : List.of("tcp", "tcp6")) {
            try {
                sockets.addAll(parse(Files.readAllLines(Path.of("/proc", Long.toString(pid), "net", table))));
            } catch (IOException e) {
                // the namespace died with its processes, or has no IPv6
            }
        }
        return sockets;
    }

    /** The listening sockets of one table: lines of {@code sl local_address rem_address st ...}, after a heading. */
    static List<InetSocketAddress> parse(List<String> lines) {
        List<InetSocketAddress> sockets = new ArrayList<>();
        for (String line : lines) {
            String[] fields = line.trim().split("\\s+");
            if (fields.length < 4 || !fields[3].equals(LISTEN)) continue;
            String[] local = fields[1].split(":");
            if (local.length != 2) continue;
            try {
                sockets.add(new InetSocketAddress(address(local[0]), Integer.parseInt(local[1], 16)));
            } catch (IllegalArgumentException | UnknownHostException e) {
                // not an address line
            }
        }
        return sockets;
    }

    /** The kernel prints each 32-bit word of the address in host order: little-endian here. */
    private static InetAddress address(String hex) throws UnknownHostException {
        byte[] bytes = HexFormat.of().parseHex(hex);
        if (bytes.length != 4 && bytes.length != 16) throw new IllegalArgumentException("not an address: " + hex);
        for (int word = 0; word < bytes.length; word += 4) {
            byte b0 = bytes[word], b1 = bytes[word + 1];
            bytes[word] = bytes[word + 3];
            bytes[word + 1] = bytes[word + 2];
            bytes[word + 2] = b1;
            bytes[word + 3] = b0;
        }
        return InetAddress.getByAddress(bytes);
    }
}
