package io.slipway.proxy;

import io.slipway.config.AppDomain;
import java.net.URI;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Where each app is reached, its endpoint (DESIGN §4): {@code {publicUrl}/containers/{id}}, or with
 * {@code routing.appDomain} its own host, {@code {scheme}://{id}.{appDomain}[:port]}, with the scheme and port of
 * Slipway's public URL (a proxy in front that ends TLS on 443 is named in {@code publicUrl} as {@code https://…}). What
 * the server JSON says and what every app finds in its {@code PUBLIC_URL}, so the two never differ.
 */
public final class Endpoints {
    private final Supplier<URI> publicUrl;
    private final Optional<AppDomain> appDomain;

    /** @param publicUrl Slipway's own base URL; a supplier because with port 0 it is known only once the server listens */
    public Endpoints(Supplier<URI> publicUrl, Optional<AppDomain> appDomain) {
        this.publicUrl = Objects.requireNonNull(publicUrl);
        this.appDomain = Objects.requireNonNull(appDomain);
    }

    /** The endpoint of the app {@code appId}, without a trailing slash. */
    public String of(String appId) {
        URI base = publicUrl.get();
        if (appDomain.isEmpty()) return base + "/containers/" + appId;
        String port = base.getPort() < 0 ? "" : ":" + base.getPort();
        return base.getScheme() + "://" + appDomain.get().hostOf(appId) + port;
    }
}
