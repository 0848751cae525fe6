package io.slipway.proxy;

import io.slipway.auth.AppAccess;
import io.slipway.auth.Caller;
import io.slipway.auth.ResourceIndicators;
import io.slipway.http.Problem;
import io.slipway.http.ProblemException;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Finds Slipway's own credentials in a request to an app and takes them out, wherever they are: in every
 * {@code Authorization} value (repeated headers, a comma-separated list in one, any scheme, case and spacing —
 * {@code Bearer<TAB>…}, {@code bearer   …}, a bare token — and the user or password of a {@code Basic} one) and in
 * {@code X-Slipway-Key}. A value is removed whole when any credential in it is Slipway's: a token or API key that
 * proves something, or one that has the form of Slipway's own (an expired local token, a revoked key). The app's own
 * credentials pass untouched, in their order.
 */
final class SlipwayCredentials {
    /** More Authorization values than any client sends: refused rather than verified one by one. */
    static final int MAX_VALUES = 8;
    static final String AUTHORIZATION = "Authorization";
    private static final Pattern WORDS = Pattern.compile("[\\s,]+");
    /** What a Slipway credential can look like: an API key, or a JWS in compact form (three base64url parts). */
    private static final Pattern SHAPE = Pattern.compile(Pattern.quote(AppAccess.KEY_PREFIX) + "\\S+|[\\w-]+\\.[\\w-]+\\.[\\w-]*");

    private SlipwayCredentials() {
    }

    /**
     * Removes Slipway's credentials from {@code headers} and completes with who they prove the caller to be (empty
     * when nobody); an identity provider's token for one of {@code resources} is one of Slipway's too. Fails with a 400
     * problem when the request has more than {@link #MAX_VALUES} Authorization values.
     */
    static Future<List<Caller>> takeOut(MultiMap headers, AppAccess access, ResourceIndicators resources) {
        List<String> keys = headers.getAll(ContainerProxy.KEY_HEADER);
        List<String> authorizations = headers.getAll(AUTHORIZATION);
        if (keys.isEmpty() && authorizations.isEmpty()) return Future.succeededFuture(List.of());
        if (authorizations.size() + keys.size() > MAX_VALUES) {
            return Future.failedFuture(new ProblemException(Problem.of(400, "too-many-credentials", "Bad Request",
                    "the request carries " + (authorizations.size() + keys.size()) + " Authorization or " + ContainerProxy.KEY_HEADER
                            + " headers; at most " + MAX_VALUES + " are accepted")));
        }
        headers.remove(ContainerProxy.KEY_HEADER);
        List<Future<Caller>> proofs = new ArrayList<>();
        keys.forEach(key -> proofs.add(access.identify(key.strip(), resources)));
        List<List<String>> candidates = authorizations.stream().map(SlipwayCredentials::candidates).toList();
        List<List<Future<Caller>>> perValue = new ArrayList<>();
        for (List<String> words : candidates) {
            List<Future<Caller>> found = words.stream().map(word -> access.identify(word, resources)).toList();
            perValue.add(found);
            proofs.addAll(found);
        }
        return Future.join(proofs).transform(done -> {
            headers.remove(AUTHORIZATION);
            for (int i = 0; i < authorizations.size(); i++) {
                boolean slipways = perValue.get(i).stream().anyMatch(f -> f.result().isSlipways())
                        || candidates.get(i).stream().anyMatch(access::issuedHere);
                if (!slipways) headers.add(AUTHORIZATION, authorizations.get(i));
            }
            return Future.succeededFuture(proofs.stream().map(Future::result).filter(Caller::isSlipways).toList());
        });
    }

    /** The words of an Authorization value that could be a Slipway credential, with a Basic one's user and password. */
    static List<String> candidates(String value) {
        List<String> found = new ArrayList<>();
        String previous = "";
        for (String word : WORDS.split(value.strip())) {
            if (SHAPE.matcher(word).matches()) found.add(word);
            if (previous.equalsIgnoreCase("Basic")) found.addAll(basicParts(word));
            previous = word;
        }
        return found;
    }

    private static List<String> basicParts(String encoded) {
        try {
            String decoded = new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
            int colon = decoded.indexOf(':');
            List<String> parts = colon < 0 ? List.of(decoded) : List.of(decoded.substring(0, colon), decoded.substring(colon + 1));
            return parts.stream().map(String::strip).filter(p -> SHAPE.matcher(p).matches()).toList();
        } catch (IllegalArgumentException notBase64) {
            return List.of();
        }
    }
}
