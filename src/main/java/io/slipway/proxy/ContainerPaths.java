package io.slipway.proxy;

/**
 * Splits {@code /containers/{id}/rest?query} into the app id and the path the app sees ({@code /rest?query}).
 * Written without regular expressions: it runs on every proxied request.
 */
record ContainerPaths(String appId, String prefix, String forwardedUri) {
    static final String ROOT = "/containers/";

    /** @return null when the URI names no app id */
    static ContainerPaths parse(String uri) {
        if (!uri.startsWith(ROOT)) return null;
        int idStart = ROOT.length();
        int idEnd = idStart;
        while (idEnd < uri.length() && uri.charAt(idEnd) != '/' && uri.charAt(idEnd) != '?') idEnd++;
        if (idEnd == idStart || idEnd - idStart > 64) return null;
        String id = uri.substring(idStart, idEnd);
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9')) return null;
        }
        String rest = uri.substring(idEnd);
        if (rest.isEmpty() || rest.charAt(0) == '?') rest = "/" + rest;
        return new ContainerPaths(id, uri.substring(0, idEnd), rest);
    }
}
