package io.slipway.app;

import java.util.Arrays;
import java.util.Optional;

/** How an app talks to its clients: it serves HTTP on {@code $PORT}, or it is a stdio MCP server Slipway serves at {@code /mcp}. */
public enum Transport {
    HTTP("http"),
    STDIO("stdio");

    private final String id;

    Transport(String id) {
        this.id = id;
    }

    /** The name in the API and the store. */
    public String id() {
        return id;
    }

    public static Optional<Transport> fromId(String id) {
        return Arrays.stream(values()).filter(t -> t.id.equals(id)).findFirst();
    }
}
