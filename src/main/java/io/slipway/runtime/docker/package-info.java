/**
 * The {@code docker} runtime: each app is a container of a Docker Engine API (dockerd, or podman's compatible service),
 * driven by docker-java. Images need no registry: Slipway makes base images from the host's interpreters and one image
 * per artifact (base plus its layers), each tagged by a digest of what went into it. The engine gives containers no
 * network; Slipway links each to the host itself with {@link io.slipway.runtime.host.SandboxNetwork}, so the guarantees
 * are the process runtime's. With an image configured for a language, its builds run in containers of that image
 ({@link io.slipway.runtime.docker.DockerBuilds}). Containers are labelled with their app and with this Slipway's data dir, by which a later
 * run removes what an earlier one left.
 */
package io.slipway.runtime.docker;
