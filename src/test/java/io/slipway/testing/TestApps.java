package io.slipway.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** The source of the test apps under {@code src/test/resources/apps}. */
public final class TestApps {
    private TestApps() {
    }

    public static String source(String name) {
        try (InputStream in = TestApps.class.getResourceAsStream("/apps/" + name)) {
            if (in == null) throw new IllegalArgumentException("no test app " + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
