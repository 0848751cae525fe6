package io.slipway.proxy;

/**
 * Splits {@code /containers/{id}/rest?query} into the app id and the path the app sees ({@code /rest?query}); on an
 * app's own host, the app sees the path as it came, under no prefix. Written without regular expressions: it runs on
 * every proxied request.
 */
record ContainerPaths(String appId, String prefix, String forwardedUri) {
    static final String ROOT = "/containers/";

    /** @return null when the URI names no app id */
    static ContainerPaths parse(String uri) {
        if (!uri.startsWith(ROOT)) return null;
        int idStart = ROOT.length();
        int idEnd = idStart;
        while (idEnd < uri.length() && uri.charAt(idEnd) != '/' && uri.charAt(idEnd) != '?') idEnd++;
        String id = uri.substring(idStart, idEnd);
        if (!mayBeId(id)) return null;
        String rest = uri.substring(idEnd);
        if (rest.isEmpty() || rest.charAt(0) == '?') rest = "/" + rest;
        return new ContainerPaths(id, uri.substring(0, idEnd), rest);
    }

    /** @return null when {@code label}, the host's part before the app domain, cannot be an app id */
    static ContainerPaths onAppHost(String label, String uri) {
        return mayBeId(label) ? new ContainerPaths(label, "", uri) : null;
    }

    /** {@code uri} without its query: the path a route is matched by. */
    static String withoutQuery(String uri) {
        int query = uri.indexOf('?');
        return query < 0 ? uri : uri.substring(0, query);
    }

    /** Whether the request came to the app's own host, where nothing is stripped, rather than under {@code /containers/{id}}. */
    boolean onAppHost() {
        return prefix.isEmpty();
    }

    /** 1 to 64 lower-case letters and digits: a shape no other path or host can take for an id. */
    private static boolean mayBeId(String id) {
        if (id.isEmpty() || id.length() > 64) return false;
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9')) return false;
        }
        return true;
    }
}
