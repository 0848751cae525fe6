package io.slipway.runtime.docker;

import io.slipway.app.Language;
import io.slipway.sandbox.HostTools;
import io.slipway.testing.PodmanEngine;
import java.util.Optional;

/**
 * For tests outside this package: the images the docker runtime makes of the host's {@code node} and {@code python3}
 * ({@link BaseImages}, with no {@code docker.*Image} configured), imported into an engine unless it has them already.
 * Such an image holds the interpreter at its host path, its libraries, CA certificates and a {@code passwd}; it has no
 * shell, and no {@code Env} (no {@code PATH}), as an image imported from a tar has none.
 */
public final class HostBuiltImages {
    private HostBuiltImages() {
    }

    /** The image name for {@code language}'s apps in {@code engine}; blocks for the import (a few seconds, once per engine). */
    public static String of(PodmanEngine engine, Language language) {
        return interpreter(engine, language).image();
    }

    /** The interpreter's path inside {@link #of}'s image (the host's path of it), for a command that names it. */
    public static String program(PodmanEngine engine, Language language) {
        return interpreter(engine, language).program();
    }

    private static BaseImages.Interpreter interpreter(PodmanEngine engine, Language language) {
        EngineClients clients = EngineClients.of(DockerRuntimes.host(engine));
        try {
            return new BaseImages(clients.calls(), clients.raw(), Optional.empty(), Optional.empty(), HostTools.find()).of(language);
        } finally {
            clients.close();
        }
    }
}
