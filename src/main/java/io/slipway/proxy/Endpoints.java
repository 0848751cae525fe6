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
        return onOwnHost(appId).orElseGet(() -> underContainers(appId));
    }

    /** Where the app is reached on Slipway's own host, {@code {publicUrl}/containers/{id}}, with or without an app domain. */
    public String underContainers(String appId) {
        return publicUrl.get() + "/containers/" + appId;
    }

    /** Where the app is reached at its own host, {@code {scheme}://{id}.{appDomain}[:port]}; empty without an app domain. */
    public Optional<String> onOwnHost(String appId) {
        if (appDomain.isEmpty()) return Optional.empty();
        URI base = publicUrl.get();
        String port = base.getPort() < 0 ? "" : ":" + base.getPort();
        return Optional.of(base.getScheme() + "://" + appDomain.get().hostOf(appId) + port);
    }
}
