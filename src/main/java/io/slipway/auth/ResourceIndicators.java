package io.slipway.auth;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Collection;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The protected resources (RFC 8707 resource indicators: absolute URIs such as {@code https://x.apps.example.com/mcp})
 * that a token may be meant for instead of Slipway itself, compared as the MCP authorization specification asks:
 * scheme and host without regard to case, and a trailing slash or none naming the same resource. An identity
 * provider's token carries them in its {@code aud} claim when a client asked for a token for that resource.
 */
public record ResourceIndicators(Set<String> uris) {
    /** No resource: only tokens for Slipway itself. */
    public static final ResourceIndicators NONE = new ResourceIndicators(Set.of());

    public ResourceIndicators {
        uris = uris.stream().map(ResourceIndicators::canonical).collect(Collectors.toUnmodifiableSet());
    }

    public static ResourceIndicators of(String... uris) {
        return new ResourceIndicators(Set.of(uris));
    }

    public boolean isEmpty() {
        return uris.isEmpty();
    }

    /** Whether one of {@code audiences} (a token's {@code aud}) names one of these resources. */
    public boolean includeAnyOf(Collection<String> audiences) {
        if (uris.isEmpty() || audiences == null) return false;
        return audiences.stream().anyMatch(audience -> audience != null && uris.contains(canonical(audience)));
    }

    /**
     * {@code uri} with its scheme and host in lower case and without a trailing slash; anything that is not an absolute
     * URI is kept as it is (and so matches only itself).
     */
    static String canonical(String uri) {
        try {
            URI parsed = new URI(uri);
            if (!parsed.isAbsolute() || parsed.getRawAuthority() == null) return uri;
            String path = parsed.getRawPath() == null ? "" : parsed.getRawPath();
            if (path.endsWith("/")) path = path.substring(0, path.length() - 1);
            String query = parsed.getRawQuery() == null ? "" : "?" + parsed.getRawQuery();
            String fragment = parsed.getRawFragment() == null ? "" : "#" + parsed.getRawFragment();
            return parsed.getScheme().toLowerCase(Locale.ROOT) + "://" + parsed.getRawAuthority().toLowerCase(Locale.ROOT) + path + query + fragment;
        } catch (URISyntaxException e) {
            return uri;
        }
    }
}
