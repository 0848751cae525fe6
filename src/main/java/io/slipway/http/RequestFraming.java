package io.slipway.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.util.List;

/**
 * Whether an HTTP/1.x request head says unambiguously where its body ends (RFC 9112 §6). A request whose framing two
 * parsers could read two ways is the raw material of request smuggling, so it is refused, not repaired:
 * <ul>
 *   <li>{@code Transfer-Encoding} with {@code Content-Length} (§6.3 item 3), including a {@code Content-Length} that the
 *       decoder has already dropped ({@code contentLengthDropped});</li>
 *   <li>{@code Transfer-Encoding} on HTTP/1.0, which does not have it (§6.1);</li>
 *   <li>a {@code Transfer-Encoding} list that is not exactly {@code chunked}: another final coding such as
 *       {@code chunked, identity} or {@code xchunked}, {@code chunked} twice, an empty list, a coding that is not a token
 *       (what an obs-fold leaves behind, {@code identity chunked}); these answer 400 (§6.3 item 4);</li>
 *   <li>a coding before a final {@code chunked} ({@code gzip, chunked}): well framed, but Slipway would pass the app a
 *       body it cannot know is compressed, so 501 (§6.1).</li>
 * </ul>
 * {@code Content-Length} alone needs no check here: the decoder has already refused a value that is not digits and
 * repeated values that differ.
 */
public final class RequestFraming {
    private static final String CHUNKED = "chunked";

    private RequestFraming() {
    }

    /**
     * @param contentLengthDropped whether the decoder removed a {@code Content-Length} from this head (it does so, and
     *                             decodes the body as chunked, when HTTP/1.1 {@code Transfer-Encoding: chunked} came with one)
     * @return null when the head frames its body unambiguously; otherwise the problem to answer before closing the connection
     */
    public static Problem check(HttpRequest head, boolean contentLengthDropped) {
        List<String> encodings = head.headers().getAll(HttpHeaderNames.TRANSFER_ENCODING);
        if (encodings.isEmpty()) return null;
        if (!head.protocolVersion().equals(HttpVersion.HTTP_1_1)) {
            return badRequest("Transfer-Encoding is not allowed in an " + head.protocolVersion() + " request (RFC 9112 §6.1); "
                    + "send the body with a Content-Length");
        }
        if (contentLengthDropped || head.headers().contains(HttpHeaderNames.CONTENT_LENGTH)) {
            return badRequest("the request has both Transfer-Encoding and Content-Length, which frame its body differently "
                    + "(RFC 9112 §6.3); send one of them");
        }
        return checkCodings(encodings);
    }

    private static Problem checkCodings(List<String> headers) {
        String last = null;
        int codings = 0;
        int chunked = 0;
        for (String header : headers) {
            for (String element : header.split(",", -1)) {
                // RFC 9110 §5.6.1: list elements are separated by commas and optional whitespace; empty ones are ignored.
                String coding = element.strip();
                if (coding.isEmpty()) continue;
                if (!isToken(coding)) {
                    return badRequest("Transfer-Encoding '" + header.strip() + "' is not a list of transfer codings");
                }
                codings++;
                if (coding.equalsIgnoreCase(CHUNKED)) chunked++;
                last = coding;
            }
        }
        if (last == null || !last.equalsIgnoreCase(CHUNKED)) {
            return badRequest("chunked must be the final transfer coding of a request (RFC 9112 §6.3), not '"
                    + String.join(", ", headers).strip() + "'");
        }
        if (chunked > 1) return badRequest("a request's body may be chunked only once (RFC 9112 §7.1)");
        if (codings > 1) {
            return Problem.of(501, "unsupported-transfer-coding", "Not Implemented", "Slipway decodes no transfer coding but "
                    + "chunked, not '" + String.join(", ", headers).strip() + "'; use Content-Encoding for a compressed body");
        }
        return null;
    }

    /** Whether {@code text} is a token (RFC 9110 §5.6.2): one or more tchar. */
    public static boolean isToken(String text) {
        if (text.isEmpty()) return false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean tchar = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!tchar) return false;
        }
        return true;
    }

    static Problem badRequest(String detail) {
        return Problem.of(400, "bad-request", "Bad Request", detail);
    }
}
